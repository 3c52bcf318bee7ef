/*
 * echo_server.c — pier's demo: a TCP echo server in one C file.
 *
 *   echo_server [--raw] [PORT]          (PORT defaults to 4000; 0 = any free port)
 *
 * Line mode (default): every line a client sends comes back as "echo: <line>\r\n".
 * Lines may end in CR, LF or CRLF (SingleLineMode), so `nc 127.0.0.1 4000`
 * works as is.
 *
 * Raw mode (--raw, or PIER_ECHO_RAW=1 in the environment): bytes come back
 * exactly as they arrived, with no framing (EOL ""): what the benchmarks use.
 *
 * Runs until SIGINT/SIGTERM, or for PIER_DEMO_SECONDS seconds when that is set.
 * PIER_MAX_CONNECTIONS raises the limit of simultaneous clients (default 1000).
 *
 * What it shows: the DoEvents loop, callbacks, sending from inside DataIn,
 * and flow control — when a client reads slower than it writes, a send takes
 * only part of the data (error 10035, the BytesSent property says how much):
 * the rest waits here, reading from that client pauses (PauseData), and the
 * ReadyToSend event says when to send it and resume (ProcessData).
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pier.h"


/* Replies the kernel did not take yet, one entry per connection that has any.
 * Usually empty, so a list is plenty. */
struct pending {
    int connection_id;
    char *data;
    int len, off;
    struct pending *next;
};

struct app {
    pier_tcpserver *server;
    int raw;
    struct pending *pending;
};

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static struct pending **find_pending(struct app *app, int cid) {
    struct pending **pp = &app->pending;
    while (*pp && (*pp)->connection_id != cid) pp = &(*pp)->next;
    return pp;
}

static void drop_pending(struct app *app, int cid) {
    struct pending **pp = find_pending(app, cid), *p = *pp;
    if (p) {
        *pp = p->next;
        free(p->data);
        free(p);
    }
}

/* Keep `len` bytes for later (after whatever is already waiting). */
static void keep_pending(struct app *app, int cid, const char *data, int len) {
    struct pending **pp = find_pending(app, cid), *p = *pp;
    if (!p) {
        p = calloc(1, sizeof *p);
        if (!p) abort();
        p->connection_id = cid;
        *pp = p;
    }
    char *grown = realloc(p->data, (size_t)(p->len + len));
    if (!grown) abort();
    p->data = grown;
    memcpy(p->data + p->len, data, (size_t)len);
    p->len += len;
}

/* Send, or keep what the socket does not take and pause reading from that client. */
static void send_or_keep(struct app *app, int cid, const char *data, int len) {
    if (*find_pending(app, cid)) { /* older bytes are waiting: keep the order */
        keep_pending(app, cid, data, len);
        return;
    }
    int rc = pier_tcpserver_do_send(app->server, cid, data, len);
    if (rc == 0) return;
    if (rc == PIER_ERR_WOULD_BLOCK) {
        int sent = (int)pier_tcpserver_get_int(app->server, PIER_TCPSERVER_PROP_BYTESSENT, cid);
        keep_pending(app, cid, data + sent, len - sent);
        pier_tcpserver_do_pausedata(app->server, cid); /* until ReadyToSend */
        return;
    }
    fprintf(stderr, "[%d] send failed: %d %s\n", cid, rc, pier_tcpserver_get_last_error(app->server));
    pier_tcpserver_do_disconnect(app->server, cid);
}

static int on_connected(void *handle, int event_id, void *params, void *user_data) {
    (void)handle;
    (void)event_id;
    struct app *app = user_data;
    pier_tcpserver_connected_params *p = params;
    if (!app->raw) {
        const char *host = pier_tcpserver_get(app->server, PIER_TCPSERVER_PROP_REMOTEHOST,
                                              p->connection_id, NULL);
        printf("[%d] connected from %s\n", p->connection_id, host ? host : "?");
        const char *hello = "Welcome to pier's echo server. Type a line.\r\n";
        send_or_keep(app, p->connection_id, hello, (int)strlen(hello));
    }
    return 0;
}

static int on_datain(void *handle, int event_id, void *params, void *user_data) {
    (void)handle;
    (void)event_id;
    struct app *app = user_data;
    pier_tcpserver_datain_params *p = params;
    if (app->raw) {
        send_or_keep(app, p->connection_id, (const char *)p->text, p->text_len);
        return 0;
    }
    /* One DataIn per line; the line end itself is not part of text. A line
     * longer than DefaultMaxLineLength arrives in pieces with eol false. */
    send_or_keep(app, p->connection_id, "echo: ", 6);
    send_or_keep(app, p->connection_id, (const char *)p->text, p->text_len);
    if (p->eol) send_or_keep(app, p->connection_id, "\r\n", 2);
    return 0;
}

static int on_readytosend(void *handle, int event_id, void *params, void *user_data) {
    (void)handle;
    (void)event_id;
    struct app *app = user_data;
    int cid = ((pier_tcpserver_readytosend_params *)params)->connection_id;
    struct pending *p = *find_pending(app, cid);
    if (!p) return 0; /* also fires once right after connecting */
    int rc = pier_tcpserver_do_send(app->server, cid, p->data + p->off, p->len - p->off);
    if (rc == PIER_ERR_WOULD_BLOCK) {
        p->off += (int)pier_tcpserver_get_int(app->server, PIER_TCPSERVER_PROP_BYTESSENT, cid);
    } else {
        drop_pending(app, cid);
        if (rc == 0) pier_tcpserver_do_processdata(app->server, cid); /* read again */
        else pier_tcpserver_do_disconnect(app->server, cid);
    }
    return 0;
}

static int on_disconnected(void *handle, int event_id, void *params, void *user_data) {
    (void)handle;
    (void)event_id;
    struct app *app = user_data;
    pier_tcpserver_disconnected_params *p = params;
    drop_pending(app, p->connection_id);
    if (!app->raw)
        printf("[%d] disconnected: %d %s\n", p->connection_id, p->status_code, p->description);
    return 0;
}

static int on_error(void *handle, int event_id, void *params, void *user_data) {
    (void)handle;
    (void)event_id;
    (void)user_data;
    pier_tcpserver_error_params *p = params;
    fprintf(stderr, "[%d] error %d: %s\n", p->connection_id, p->error_code, p->description);
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
    struct app app = {0};
    int port = 4000;
    const char *raw_env = getenv("PIER_ECHO_RAW");
    app.raw = raw_env && strcmp(raw_env, "") != 0 && strcmp(raw_env, "0") != 0;
    static const char usage[] = "usage: echo_server [--raw] [PORT]   (default 4000; 0 = any free port)\n";
    int ports = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--raw") == 0) {
            app.raw = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (ports++ > 0 || !parse_port(argv[i], &port)) {
            fputs(usage, stderr);
            return 2;
        }
    }
    const char *seconds_env = getenv("PIER_DEMO_SECONDS");
    double seconds = seconds_env ? atof(seconds_env) : 0;

    app.server = pier_tcpserver_open();
    if (!app.server) {
        fprintf(stderr, "pier_tcpserver_open failed (out of memory)\n");
        return 1;
    }
    pier_tcpserver *h = app.server;

    pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_CONNECTED, on_connected, &app);
    pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_DATAIN, on_datain, &app);
    pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_READYTOSEND, on_readytosend, &app);
    pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_DISCONNECTED, on_disconnected, &app);
    pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_ERROR, on_error, &app);

    /* Every new connection copies the Default* properties. */
    if (app.raw) {
        pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, "", 0); /* no framing */
        pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTSINGLELINEMODE, 0, 0);
    } else {
        pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTSINGLELINEMODE, 0, 1); /* CR, LF or CRLF */
    }

    /* At most 1,000 clients at once by default; PIER_MAX_CONNECTIONS raises it
     * (the benchmarks hold 10,000). Settings go through Config. */
    const char *max_connections = getenv("PIER_MAX_CONNECTIONS");
    if (max_connections) {
        char setting[64];
        snprintf(setting, sizeof setting, "MaxConnections=%s", max_connections);
        if (pier_tcpserver_do_config(h, setting) == NULL) {
            fprintf(stderr, "%s: %s\n", setting, pier_tcpserver_get_last_error(h));
            pier_tcpserver_close(h);
            return 1;
        }
    }

    /* 127.0.0.1 only; "" would mean every interface. */
    int rc = pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALHOST, 0, "127.0.0.1", -1);
    if (rc == 0) rc = pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, port);
    if (rc == 0) rc = pier_tcpserver_do_startlistening(h);
    if (rc != 0) {
        fprintf(stderr, "cannot listen on port %d: [%d] %s\n", port, rc, pier_tcpserver_get_last_error(h));
        pier_tcpserver_close(h);
        return 1;
    }
    port = (int)pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0); /* the real one if 0 */
    printf("pier %s echo server (%s mode) listening on 127.0.0.1:%d\n", pier_version(),
           app.raw ? "raw" : "line", port);
    printf("connect with:  nc 127.0.0.1 %d      (Ctrl-C here stops the server)\n", port);
    fflush(stdout);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    /* The event loop: each DoEvents handles what is ready, or waits up to
     * SelectWaitMillis (20 ms) for something to happen. */
    while (!stop_requested) {
        rc = pier_tcpserver_do_doevents(h);
        if (rc != 0) {
            fprintf(stderr, "DoEvents: [%d] %s\n", rc, pier_tcpserver_get_last_error(h));
            break;
        }
        if (seconds > 0) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            if ((double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 >= seconds) break;
        }
    }

    printf("stopping\n");
    pier_tcpserver_close(h); /* disconnects everyone, fires no more events */
    while (app.pending) drop_pending(&app, app.pending->connection_id);
    return rc == 0 ? 0 : 1;
}
