/*
 * ws_echo_server.c — pier's WebSocket echo server (ws:// or wss://), in one C file.
 *
 *   ws_echo_server [--port N] [--cert FILE --key FILE] [--config NAME=VALUE]...
 *
 *   --port N     the TCP port (default 8080; 0 = any free port)
 *   --cert FILE  a PEM certificate (chain); with --key, the server speaks wss://
 *   --key FILE   the PEM private key of --cert
 *   --config     any WSServer config setting, before listening, e.g.
 *                --config EnablePermessageDeflate=False
 *
 * Every message a client sends comes back as one message of the same type
 * (text or binary). It prints "listening on N" once ready. Try it with
 *
 *   ./ws_echo_server --port 8080
 *   python3 -m websockets ws://127.0.0.1:8080/
 *
 * Runs until SIGINT/SIGTERM, or for PIER_DEMO_SECONDS seconds when that is set.
 *
 * What it shows: BufferMessage (DataIn once per whole message), SendBytes for
 * binary and Send with ConnDataFormat 1 for text (which may hold NUL bytes,
 * so not SendText), flow control (a send the out queue cannot take fails
 * with 10035: the message is kept, reading from that client pauses with
 * ConnAcceptData False, and ReadyToSend says when to go on), and the
 * Disconnected close code.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pier.h"

/* Messages the out queue did not take yet, in order, per connection. */
struct pending {
    int connection_id;
    int format; /* 1 text, 2 binary */
    char *data;
    int len;
    struct pending *next;
};

struct app {
    pier_wsserver *server;
    struct pending *pending;
};

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static int has_pending(struct app *app, int cid) {
    for (struct pending *p = app->pending; p; p = p->next)
        if (p->connection_id == cid) return 1;
    return 0;
}

static void keep(struct app *app, int cid, int format, const char *data, int len) {
    struct pending *p = calloc(1, sizeof *p), **tail = &app->pending;
    if (!p) abort();
    p->connection_id = cid;
    p->format = format;
    p->len = len;
    p->data = malloc((size_t)len + 1);
    if (!p->data) abort();
    memcpy(p->data, data, (size_t)len);
    while (*tail) tail = &(*tail)->next;
    *tail = p;
}

static void drop_pending(struct app *app, int cid) {
    struct pending **pp = &app->pending;
    while (*pp) {
        struct pending *p = *pp;
        if (p->connection_id == cid) {
            *pp = p->next;
            free(p->data);
            free(p);
        } else {
            pp = &p->next;
        }
    }
}

/* 0 sent, 1 kept for later (10035), -1 failed. */
static int send_message(struct app *app, int cid, int format, const char *data, int len) {
    int rc;
    if (format == 2) {
        rc = pier_wsserver_do_sendbytes(app->server, cid, data, len);
    } else { /* text may hold NUL bytes: Send with DataFormat 1, not SendText */
        pier_wsserver_set_int(app->server, PIER_WSSERVER_PROP_CONNDATAFORMAT, cid, 1);
        rc = pier_wsserver_do_send(app->server, cid, data, len);
    }
    if (rc == 0) return 0;
    if (rc == PIER_ERR_WOULD_BLOCK) return 1;
    fprintf(stderr, "[%d] send failed: %d %s\n", cid, rc, pier_wsserver_get_last_error(app->server));
    return -1;
}

static void echo(struct app *app, int cid, int format, const char *data, int len) {
    if (has_pending(app, cid)) { /* older messages wait: keep the order */
        keep(app, cid, format, data, len);
        return;
    }
    int r = send_message(app, cid, format, data, len);
    if (r == 1) {
        keep(app, cid, format, data, len);
        pier_wsserver_set_int(app->server, PIER_WSSERVER_PROP_CONNACCEPTDATA, cid, 0);
    }
}

/* ReadyToSend: send what waits, in order, until the queue is full again. */
static void flush_pending(struct app *app, int cid) {
    struct pending **pp = &app->pending;
    while (*pp) {
        struct pending *p = *pp;
        if (p->connection_id != cid) {
            pp = &p->next;
            continue;
        }
        int r = send_message(app, cid, p->format, p->data, p->len);
        if (r == 1) return;
        *pp = p->next;
        free(p->data);
        free(p);
    }
    pier_wsserver_set_int(app->server, PIER_WSSERVER_PROP_CONNACCEPTDATA, cid, 1);
}

static int on_event(void *h, int event_id, void *params, void *user_data) {
    (void)h;
    struct app *app = user_data;
    switch (event_id) {
    case PIER_WSSERVER_EVENT_CONNECTED: {
        pier_wsserver_connected_params *p = params;
        if (getenv("PIER_WS_VERBOSE"))
            printf("[%d] open %s\n", p->connection_id,
                   (const char *)pier_wsserver_get(app->server, PIER_WSSERVER_PROP_CONNREQUESTURI, p->connection_id, NULL));
        break;
    }
    case PIER_WSSERVER_EVENT_DATAIN: {
        pier_wsserver_datain_params *p = params;
        echo(app, p->connection_id, p->data_format == 1 ? 1 : 2, (const char *)p->text, p->text_len);
        break;
    }
    case PIER_WSSERVER_EVENT_READYTOSEND: {
        pier_wsserver_readytosend_params *p = params;
        flush_pending(app, p->connection_id);
        break;
    }
    case PIER_WSSERVER_EVENT_DISCONNECTED: {
        pier_wsserver_disconnected_params *p = params;
        drop_pending(app, p->connection_id);
        if (getenv("PIER_WS_VERBOSE"))
            printf("[%d] closed %d %s\n", p->connection_id, p->status_code, p->description);
        break;
    }
    case PIER_WSSERVER_EVENT_ERROR: {
        pier_wsserver_error_params *p = params;
        if (getenv("PIER_WS_VERBOSE"))
            fprintf(stderr, "[%d] error %d %s\n", p->connection_id, p->error_code, p->description);
        break;
    }
    }
    fflush(stdout);
    return 0;
}

static char *read_file(const char *path, long *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)*len + 1);
    if (buf && fread(buf, 1, (size_t)*len, f) != (size_t)*len) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static void usage(FILE *to) {
    fprintf(to, "usage: ws_echo_server [--port N] [--cert FILE --key FILE] [--config NAME=VALUE]...\n"
                "  echoes every WebSocket message; --cert/--key (PEM) serve wss://\n");
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
    const char *port = "8080", *cert = NULL, *key = NULL;
    const char *configs[64];
    int nconfigs = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--port") && i + 1 < argc) {
            int n;
            if (!parse_port(argv[i + 1], &n)) {
                usage(stderr);
                return 2;
            }
            port = argv[++i];
        } else if (!strcmp(argv[i], "--cert") && i + 1 < argc) {
            cert = argv[++i];
        } else if (!strcmp(argv[i], "--key") && i + 1 < argc) {
            key = argv[++i];
        } else if (!strcmp(argv[i], "--config") && i + 1 < argc && nconfigs < 64) {
            configs[nconfigs++] = argv[++i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!cert != !key) {
        fprintf(stderr, "--cert and --key go together\n");
        usage(stderr);
        return 2;
    }

    struct app app = {0};
    app.server = pier_wsserver_open();
    if (!app.server) return 1;
    pier_wsserver_do_config(app.server, "BufferMessage=True");
    for (int i = 0; i < nconfigs; i++) {
        if (!pier_wsserver_do_config(app.server, configs[i])) {
            fprintf(stderr, "--config %s: %s\n", configs[i], pier_wsserver_get_last_error(app.server));
            return 2;
        }
    }
    if (cert) {
        /* One PEM blob with the key and the certificate chain (store type 7). */
        long klen = 0, clen = 0;
        char *k = read_file(key, &klen), *c = read_file(cert, &clen);
        if (!k || !c) {
            fprintf(stderr, "cannot read %s\n", !k ? key : cert);
            return 1;
        }
        char *pem = malloc((size_t)(klen + clen + 2));
        if (!pem) abort();
        memcpy(pem, k, (size_t)klen);
        pem[klen] = '\n';
        memcpy(pem + klen + 1, c, (size_t)clen);
        int rc = pier_wsserver_set_int(app.server, PIER_WSSERVER_PROP_SSLCERTSTORETYPE, 0, 7);
        if (!rc) rc = pier_wsserver_set(app.server, PIER_WSSERVER_PROP_SSLCERTSTORE, 0, pem, (int)(klen + clen + 1));
        if (!rc) rc = pier_wsserver_set(app.server, PIER_WSSERVER_PROP_SSLCERTSUBJECT, 0, "*", -1);
        if (!rc) rc = pier_wsserver_set_int(app.server, PIER_WSSERVER_PROP_USESSL, 0, 1);
        free(pem);
        free(k);
        free(c);
        if (rc) {
            fprintf(stderr, "certificate: %d %s\n", rc, pier_wsserver_get_last_error(app.server));
            return 1;
        }
    }
    for (int e = PIER_WSSERVER_EVENT_CONNECTED; e <= PIER_WSSERVER_EVENT_WEBSOCKETOPENREQUEST; e++)
        pier_wsserver_register_callback(app.server, e, on_event, &app);
    if (pier_wsserver_set(app.server, PIER_WSSERVER_PROP_LOCALPORT, 0, port, -1) ||
        pier_wsserver_do_startlistening(app.server)) {
        fprintf(stderr, "listen on %s: %s\n", port, pier_wsserver_get_last_error(app.server));
        return 1;
    }
    printf("listening on %d\n", (int)pier_wsserver_get_int(app.server, PIER_WSSERVER_PROP_LOCALPORT, 0));
    fflush(stdout);

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    const char *secs = getenv("PIER_DEMO_SECONDS");
    time_t until = secs ? time(NULL) + atoi(secs) : 0;
    while (!stop_requested && (!until || time(NULL) < until)) pier_wsserver_do_doevents(app.server);

    pier_wsserver_close(app.server);
    while (app.pending) drop_pending(&app, app.pending->connection_id);
    return 0;
}
