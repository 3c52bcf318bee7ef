/*
 * chat_server.c — a line-based chat room with pier.
 *
 *   chat_server [PORT]        (PORT defaults to 4001; 0 = any free port)
 *
 * Every line one client sends goes to every other connected client, as
 * "[<id>] <line>". Try it with two terminals running `nc 127.0.0.1 4001`.
 * Runs until SIGINT/SIGTERM, or for PIER_DEMO_SECONDS seconds when that is set.
 *
 * What it shows: enumerating the connections — ConnectionCount gives how many
 * there are and ConnectionId, indexed by position 0..count-1, gives each
 * one's id; every other per-connection property is indexed by that id.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pier.h"

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

/* Send `len` bytes of `text` as a line to every connection except `except`. */
static void broadcast(pier_tcpserver *h, int except, const char *text, int len) {
    int count = (int)pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0);
    for (int pos = 0; pos < count; pos++) {
        /* ConnectionId is text; the buffer is valid until the next get, so
         * turn it into a number at once. */
        const char *id_text = pier_tcpserver_get(h, PIER_TCPSERVER_PROP_CONNECTIONID, pos, NULL);
        if (!id_text) continue;
        int cid = atoi(id_text);
        if (cid == except) continue;
        /* A client that does not read would eventually make this fail with
         * 10035 (would block); a chat room simply drops the line for it. */
        if (pier_tcpserver_do_send(h, cid, text, len) != 0)
            fprintf(stderr, "[%d] line dropped: %s\n", cid, pier_tcpserver_get_last_error(h));
    }
}

static int on_connected(void *handle, int event_id, void *params, void *user_data) {
    (void)handle;
    (void)event_id;
    pier_tcpserver *h = user_data;
    pier_tcpserver_connected_params *p = params;
    char line[128];
    pier_tcpserver_do_sendline(h, p->connection_id, "Welcome to pier chat. Everything you type goes to everyone.");
    int n = snprintf(line, sizeof line, "* %d joined\r\n", p->connection_id);
    broadcast(h, p->connection_id, line, n);
    printf("%s", line);
    return 0;
}

static int on_datain(void *handle, int event_id, void *params, void *user_data) {
    (void)handle;
    (void)event_id;
    pier_tcpserver *h = user_data;
    pier_tcpserver_datain_params *p = params;
    /* "[id] " + the line + CRLF */
    char *msg = malloc((size_t)p->text_len + 32);
    if (!msg) return 0;
    int n = snprintf(msg, 32, "[%d] ", p->connection_id);
    memcpy(msg + n, p->text, (size_t)p->text_len);
    n += p->text_len;
    msg[n++] = '\r';
    msg[n++] = '\n';
    broadcast(h, p->connection_id, msg, n);
    free(msg);
    return 0;
}

static int on_disconnected(void *handle, int event_id, void *params, void *user_data) {
    (void)handle;
    (void)event_id;
    pier_tcpserver *h = user_data;
    pier_tcpserver_disconnected_params *p = params;
    char line[128];
    int n = snprintf(line, sizeof line, "* %d left\r\n", p->connection_id);
    broadcast(h, p->connection_id, line, n);
    printf("%s", line);
    return 0;
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
    static const char usage[] = "usage: chat_server [PORT]   (default 4001; 0 = any free port)\n";
    int port = 4001;
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc > 2 || (argc == 2 && !parse_port(argv[1], &port))) {
        fputs(usage, stderr);
        return 2;
    }
    const char *seconds_env = getenv("PIER_DEMO_SECONDS");
    double seconds = seconds_env ? atof(seconds_env) : 0;

    pier_tcpserver *h = pier_tcpserver_open();
    if (!h) return 1;
    pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_CONNECTED, on_connected, h);
    pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_DATAIN, on_datain, h);
    pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_DISCONNECTED, on_disconnected, h);

    /* One DataIn per line, whether clients end lines with CR, LF or CRLF. */
    pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTSINGLELINEMODE, 0, 1);
    pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALHOST, 0, "127.0.0.1", -1);
    pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, port);
    if (pier_tcpserver_do_startlistening(h) != 0) {
        fprintf(stderr, "cannot listen on port %d: %s\n", port, pier_tcpserver_get_last_error(h));
        pier_tcpserver_close(h);
        return 1;
    }
    port = (int)pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0);
    printf("chat server listening on 127.0.0.1:%d - join with: nc 127.0.0.1 %d\n", port, port);
    fflush(stdout);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int rc = 0;
    while (!stop_requested && rc == 0) {
        rc = pier_tcpserver_do_doevents(h);
        if (seconds > 0) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            if ((double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 >= seconds) break;
        }
    }
    if (rc != 0) fprintf(stderr, "DoEvents: %s\n", pier_tcpserver_get_last_error(h));
    pier_tcpserver_close(h);
    return rc == 0 ? 0 : 1;
}
