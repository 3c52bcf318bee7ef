/*
 * hostile_server.c — the server bench/hostile.py attacks: a TCPServer line
 * echo (SingleLineMode) whose settings come from the command line, printing
 * its counters so the harness can check what happened.
 *
 *   hostile_server [--config NAME=VALUE]... [--idle SECONDS] [--nofile N]
 *                  [--tls PEMFILE]
 *
 * Prints "listening on 127.0.0.1:PORT" once ready; on SIGUSR1 prints one line
 * "STATS connected=N disconnected=N errors=N idle_closed=N tls_failed=N
 * datain=N max_open=N" (and the Stats setting; tls_failed counts
 * Disconnected 284); exits on SIGINT/SIGTERM. --nofile lowers
 * RLIMIT_NOFILE before listening (the descriptor-exhaustion scenario);
 * --tls serves implicit TLS with the key and certificate in PEMFILE (the
 * TLS scenarios of bench/tls_hostile.py).
 * A benchmark helper, not an example: it keeps nothing but counters.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "pier.h"

static volatile sig_atomic_t stop_flag, stats_flag;
static void on_signal(int sig) {
    if (sig == SIGUSR1) stats_flag = 1;
    else stop_flag = 1;
}

static struct {
    long connected, disconnected, errors, idle_closed, tls_failed, datain, open, max_open;
} st;

static char line[4096];

static int on_event(void *h, int id, void *params, void *ud) {
    (void)ud;
    switch (id) {
    case PIER_TCPSERVER_EVENT_CONNECTED:
        st.connected++;
        if (++st.open > st.max_open) st.max_open = st.open;
        break;
    case PIER_TCPSERVER_EVENT_DISCONNECTED: {
        pier_tcpserver_disconnected_params *p = params;
        st.disconnected++;
        st.open--;
        if (p->status_code == 10060) st.idle_closed++;
        if (p->status_code == 284) st.tls_failed++; /* TLS failure after the handshake */
        break;
    }
    case PIER_TCPSERVER_EVENT_ERROR:
        st.errors++;
        break;
    case PIER_TCPSERVER_EVENT_DATAIN: {
        pier_tcpserver_datain_params *p = params;
        st.datain++;
        /* Echo whole lines only (pieces of over-long lines are dropped); the
         * line end is not in the text, so it goes back as "\n". A send that
         * fails with 10035 is dropped: the never-reads scenario wants it so. */
        if (p->eol && p->text_len < (int)sizeof line) {
            memcpy(line, p->text, (size_t)p->text_len);
            line[p->text_len] = '\n';
            pier_tcpserver_do_send(h, p->connection_id, line, p->text_len + 1);
        }
        break;
    }
    }
    return 0;
}

int main(int argc, char **argv) {
    pier_tcpserver *h = pier_tcpserver_open();
    if (!h) return 1;
    for (int e = PIER_TCPSERVER_EVENT_CONNECTED; e <= PIER_TCPSERVER_EVENT_ERROR; e++)
        pier_tcpserver_register_callback(h, e, on_event, NULL);
    pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTSINGLELINEMODE, 0, 1);
    pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALHOST, 0, "127.0.0.1", -1);
    long nofile = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            if (!pier_tcpserver_do_config(h, argv[++i])) {
                fprintf(stderr, "%s: %s\n", argv[i], pier_tcpserver_get_last_error(h));
                return 2;
            }
        } else if (strcmp(argv[i], "--idle") == 0 && i + 1 < argc) {
            pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTIDLETIMEOUT, 0, atoi(argv[++i]));
        } else if (strcmp(argv[i], "--nofile") == 0 && i + 1 < argc) {
            nofile = atol(argv[++i]);
        } else if (strcmp(argv[i], "--tls") == 0 && i + 1 < argc) {
            pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SSLCERTSTORETYPE, 0, 6); /* PEM file */
            pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSTORE, 0, argv[++i], -1);
            if (pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, "*", -1) != 0) {
                fprintf(stderr, "--tls %s: %s\n", argv[i], pier_tcpserver_get_last_error(h));
                return 2;
            }
            pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SSLSTARTMODE, 0, 1);
        } else {
            fprintf(stderr, "usage: hostile_server [--config NAME=VALUE]... [--idle SECONDS] [--nofile N] [--tls PEMFILE]\n");
            return 2;
        }
    }
    if (pier_tcpserver_do_startlistening(h) != 0) {
        fprintf(stderr, "listen: %s\n", pier_tcpserver_get_last_error(h));
        return 1;
    }
    if (nofile > 0) {
        /* After listening: pier raises the limit for MaxConnections when it
         * starts; the scenario wants it low while clients arrive. */
        struct rlimit rl = {(rlim_t)nofile, (rlim_t)nofile};
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) perror("setrlimit");
    }
    /* sigaction, not signal(): with _POSIX_C_SOURCE, glibc's signal() resets
     * the handler after the first signal (System V semantics). */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    printf("listening on 127.0.0.1:%d\n", (int)pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0));
    fflush(stdout);
    while (!stop_flag) {
        pier_tcpserver_do_doevents(h);
        if (stats_flag) {
            stats_flag = 0;
            const char *s = pier_tcpserver_do_config(h, "Stats");
            printf("STATS connected=%ld disconnected=%ld errors=%ld idle_closed=%ld tls_failed=%ld datain=%ld max_open=%ld "
                   "open=%ld %s\n",
                   st.connected, st.disconnected, st.errors, st.idle_closed, st.tls_failed, st.datain, st.max_open,
                   st.open, s ? s : "");
            fflush(stdout);
        }
    }
    pier_tcpserver_close(h);
    return 0;
}
