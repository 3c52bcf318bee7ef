/*
 * hostloop_server.c — pier inside a program's own poll() loop.
 *
 *   hostloop_server [PORT]    (PORT defaults to 4003; 0 = any free port)
 *
 * A line echo server like echo_server.c, but the program owns the event loop:
 * it waits with poll() on pier's descriptor together with its own (here:
 * stdin, where typing "stats" or "quit" works) and its own timer (a status
 * line every 10 seconds). The same pattern fits libuv, libevent, GLib, Qt...
 *
 *   1. pier_tcpserver_do_config(h, "SelectWaitMillis=0"): DoEvents never waits;
 *   2. pier_tcpserver_get_pollfd(h): readable while pier has work to do;
 *   3. pier_tcpserver_get_timeout_ms(h): when pier's next timer is due (-1: none);
 *   4. when the descriptor is readable or the timeout has passed: DoEvents.
 *
 * Runs until "quit" on stdin, SIGINT/SIGTERM, or PIER_DEMO_SECONDS seconds.
 */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pier.h"

#define STATUS_EVERY_MS 10000

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long lines_echoed;

static int on_datain(void *handle, int event_id, void *params, void *user_data) {
    (void)handle;
    (void)event_id;
    pier_tcpserver *h = user_data;
    pier_tcpserver_datain_params *p = params;
    /* SendLine appends CRLF. The text is NUL-terminated (not counted in text_len). */
    pier_tcpserver_do_sendline(h, p->connection_id, (const char *)p->text);
    lines_echoed++;
    return 0;
}

static void print_status(pier_tcpserver *h) {
    printf("status: %lld connections, %lld lines echoed\n",
           (long long)pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0), lines_echoed);
    fflush(stdout);
}

/* PORT as a program argument: decimal 0..65535 and nothing else. */
static int parse_port(const char *s, int *port) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 0 || v > 65535) return 0;
    *port = (int)v;
    return 1;
}

int main(int argc, char **argv) {
    static const char usage[] = "usage: hostloop_server [PORT]   (default 4003; 0 = any free port)\n";
    int port = 4003;
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc > 2 || (argc == 2 && !parse_port(argv[1], &port))) {
        fputs(usage, stderr);
        return 2;
    }
    const char *seconds_env = getenv("PIER_DEMO_SECONDS");
    long long deadline = seconds_env ? now_ms() + (long long)(atof(seconds_env) * 1000) : 0;

    pier_tcpserver *h = pier_tcpserver_open();
    if (!h) return 1;
    pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_DATAIN, on_datain, h);
    pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTSINGLELINEMODE, 0, 1);
    /* Synchronous sends: a reply is always sent whole (see record_server.c). */
    pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTTIMEOUT, 0, 10);

    /* 1. DoEvents must not wait: this loop does the waiting. */
    if (pier_tcpserver_do_config(h, "SelectWaitMillis=0") == NULL) {
        fprintf(stderr, "config: %s\n", pier_tcpserver_get_last_error(h));
        pier_tcpserver_close(h);
        return 1;
    }
    pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALHOST, 0, "127.0.0.1", -1);
    pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, port);
    if (pier_tcpserver_do_startlistening(h) != 0) {
        fprintf(stderr, "cannot listen on port %d: %s\n", port, pier_tcpserver_get_last_error(h));
        pier_tcpserver_close(h);
        return 1;
    }
    port = (int)pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0);

    /* 2. The descriptor to wait on. It stays the same for the handle's life. */
    int pier_fd = pier_tcpserver_get_pollfd(h);
    if (pier_fd < 0) {
        fprintf(stderr, "get_pollfd: %s\n", pier_tcpserver_get_last_error(h));
        pier_tcpserver_close(h);
        return 1;
    }
    printf("host-loop echo server on 127.0.0.1:%d (nc 127.0.0.1 %d); type \"stats\" or \"quit\" here\n",
           port, port);
    fflush(stdout);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    struct pollfd fds[2];
    fds[0].fd = pier_fd;
    fds[0].events = POLLIN;
    fds[1].fd = STDIN_FILENO;
    fds[1].events = POLLIN;
    long long next_status = now_ms() + STATUS_EVERY_MS;
    int rc = 0;

    while (!stop_requested && rc == 0) {
        /* 3. Sleep until pier's next timer, our own, or the demo's end, whichever is first. */
        long long wait = next_status - now_ms();
        int pier_wait = pier_tcpserver_get_timeout_ms(h);
        if (pier_wait >= 0 && pier_wait < wait) wait = pier_wait;
        if (deadline && deadline - now_ms() < wait) wait = deadline - now_ms();
        if (wait < 0) wait = 0;

        fds[0].revents = fds[1].revents = 0;
        int n = poll(fds, 2, (int)wait);
        if (n < 0) continue; /* EINTR: a signal; the loop condition decides */

        /* 4. Let pier work: its descriptor is readable, or a timer may be due.
         * (Calling DoEvents with nothing to do is harmless: it returns at once.) */
        rc = pier_tcpserver_do_doevents(h);

        if (fds[1].revents & (POLLIN | POLLHUP)) {
            char cmd[64];
            ssize_t k = read(STDIN_FILENO, cmd, sizeof cmd - 1);
            if (k <= 0) {
                fds[1].fd = -1; /* stdin closed: stop watching it */
            } else {
                cmd[k] = '\0';
                if (strncmp(cmd, "quit", 4) == 0) break;
                if (strncmp(cmd, "stats", 5) == 0) print_status(h);
            }
        }
        if (now_ms() >= next_status) {
            print_status(h);
            next_status = now_ms() + STATUS_EVERY_MS;
        }
        if (deadline && now_ms() >= deadline) break;
    }
    if (rc != 0) fprintf(stderr, "DoEvents: %s\n", pier_tcpserver_get_last_error(h));
    pier_tcpserver_close(h);
    return rc == 0 ? 0 : 1;
}
