/*
 * ws_chat_server.c — a WebSocket chat room with pier, in one C file.
 *
 *   ws_chat_server [--port N]        (default 8081; 0 = any free port)
 *
 * Open examples-c/ws_chat.html in a browser (as a file, with ?port=N when the
 * port is not 8081) in two tabs: every line one of them sends reaches all of
 * them as "<id>: <text>", and joins and leaves are announced. It prints
 * "listening on N" once ready. Runs until SIGINT/SIGTERM, or for
 * PIER_DEMO_SECONDS seconds when that is set.
 *
 * What it shows: pier_wsserver_do_broadcast (one message to every
 * connection, framed once — and compressed once for the connections on the
 * shared compressor), the Connected / Disconnected pair, and that a client
 * that cannot take a message now (10035) misses it rather than growing the
 * server's memory: a chat line is not worth queueing without bound.
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

static void say_to_all(pier_wsserver *h, const char *line) {
    int rc = pier_wsserver_do_broadcast(h, NULL, 0, 1, line, (int)strlen(line));
    if (rc != 0 && rc != PIER_ERR_WOULD_BLOCK)
        fprintf(stderr, "broadcast: %d %s\n", rc, pier_wsserver_get_last_error(h));
}

static int on_event(void *handle, int event_id, void *params, void *user_data) {
    (void)user_data;
    pier_wsserver *h = handle;
    char line[1200];
    switch (event_id) {
    case PIER_WSSERVER_EVENT_CONNECTED: {
        pier_wsserver_connected_params *p = params;
        snprintf(line, sizeof line, "* %d joined (%d here)", p->connection_id,
                 (int)pier_wsserver_get_int(h, PIER_WSSERVER_PROP_CONNCOUNT, 0));
        say_to_all(h, line);
        break;
    }
    case PIER_WSSERVER_EVENT_DATAIN: {
        pier_wsserver_datain_params *p = params;
        if (p->data_format != 1) break; /* text only */
        int n = p->text_len > 1000 ? 1000 : p->text_len;
        snprintf(line, sizeof line, "%d: %.*s", p->connection_id, n, (const char *)p->text);
        say_to_all(h, line);
        break;
    }
    case PIER_WSSERVER_EVENT_DISCONNECTED: {
        pier_wsserver_disconnected_params *p = params;
        snprintf(line, sizeof line, "* %d left (%d)", p->connection_id, p->status_code);
        say_to_all(h, line);
        break;
    }
    }
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
    const char *port = "8081";
    for (int i = 1; i < argc; i++) {
        int n;
        if (!strcmp(argv[i], "--port") && i + 1 < argc && parse_port(argv[i + 1], &n)) {
            port = argv[++i];
        } else {
            fprintf(!strcmp(argv[i], "--help") ? stdout : stderr, "usage: ws_chat_server [--port N]\n");
            return !strcmp(argv[i], "--help") ? 0 : 2;
        }
    }
    pier_wsserver *h = pier_wsserver_open();
    if (!h) return 1;
    /* Whole messages; a line of text at most 1000 bytes is all a chat needs. */
    pier_wsserver_do_config(h, "BufferMessage=True");
    pier_wsserver_do_config(h, "MaxMessageSize=65536");
    pier_wsserver_do_config(h, "WaitForCloseResponse=False");
    for (int e = PIER_WSSERVER_EVENT_CONNECTED; e <= PIER_WSSERVER_EVENT_WEBSOCKETOPENREQUEST; e++)
        pier_wsserver_register_callback(h, e, on_event, NULL);
    if (pier_wsserver_set(h, PIER_WSSERVER_PROP_LOCALPORT, 0, port, -1) || pier_wsserver_do_startlistening(h)) {
        fprintf(stderr, "listen on %s: %s\n", port, pier_wsserver_get_last_error(h));
        return 1;
    }
    printf("listening on %d\n", (int)pier_wsserver_get_int(h, PIER_WSSERVER_PROP_LOCALPORT, 0));
    fflush(stdout);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    const char *secs = getenv("PIER_DEMO_SECONDS");
    time_t until = secs ? time(NULL) + atoi(secs) : 0;
    while (!stop_requested && (!until || time(NULL) < until)) pier_wsserver_do_doevents(h);
    pier_wsserver_close(h);
    return 0;
}
