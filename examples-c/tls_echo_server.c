/*
 * tls_echo_server.c — pier's echo server over TLS, in one C file.
 *
 *   tls_echo_server [--raw] [--config NAME=VALUE]... CERT [PASSWORD] [PORT]
 *
 *   CERT       the server certificate with its private key: a PEM file (key and
 *              certificate chain, e.g. `cat server.key server.crt > server.pem`)
 *              or a PKCS#12 file (.pfx / .p12). Other extensions are auto-detected.
 *   PASSWORD   the PFX password, or the password of an encrypted PEM key
 *              ("" for none, the default).
 *   PORT       defaults to 4433; 0 = any free port.
 *   --raw      bytes come back exactly as they arrived, with no framing (what
 *              the benchmarks use); also PIER_ECHO_RAW=1 in the environment.
 *   --config   any TCPServer config setting, before listening, e.g.
 *              --config ReuseSSLSession=True (session resumption; then also
 *              --config TCPNoDelay=True: TLS 1.3 session tickets go out just
 *              before the first reply, and Nagle's algorithm would hold that
 *              reply until the client's delayed ACK, up to 40 ms),
 *              --config SSLEnabledProtocols=12288 (TLS 1.3 only).
 *
 * Line mode (default): a greeting naming the negotiated TLS version and cipher
 * suite, then every line a client sends comes back as "echo: <line>\r\n".
 * Try it with
 *
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
 *       -keyout key.pem -out cert.pem -subj /CN=localhost -days 30
 *   cat key.pem cert.pem > server.pem
 *   ./tls_echo_server server.pem
 *   openssl s_client -connect 127.0.0.1:4433
 *
 * Runs until SIGINT/SIGTERM, or for PIER_DEMO_SECONDS seconds when that is set.
 * PIER_MAX_CONNECTIONS raises the limit of simultaneous clients (default 1000).
 *
 * What it shows, beyond the plaintext echo example: the SSLCert* properties
 * (store type, store, password, subject "*" = the first certificate, read back
 * as its full subject), SSLStartMode 1 (implicit TLS: the handshake starts as
 * soon as a client connects, and Connected fires when it has completed), the
 * SSLNegotiated*[ConnectionId] settings, and the same flow control as over
 * plaintext — a send the TLS layer cannot take fails with 10035, BytesSent
 * says how much it took, and ReadyToSend says when to go on.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pier.h"

/* Replies the TLS layer did not take yet, one entry per connection that has
 * any. Usually empty, so a list is plenty. */
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

/* Send, or keep what the TLS layer does not take and pause reading from that
 * client until ReadyToSend. */
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
        pier_tcpserver_do_pausedata(app->server, cid);
        return;
    }
    fprintf(stderr, "[%d] send failed: %d %s\n", cid, rc, pier_tcpserver_get_last_error(app->server));
    pier_tcpserver_do_disconnect(app->server, cid);
}

/* A per-connection config setting such as "SSLNegotiatedVersion[7]", copied
 * (Config's buffer is only valid until the next call on the handle). */
static void negotiated(pier_tcpserver *h, const char *name, int cid, char *out, size_t cap) {
    char setting[64];
    snprintf(setting, sizeof setting, "%s[%d]", name, cid);
    const char *v = pier_tcpserver_do_config(h, setting);
    snprintf(out, cap, "%s", v ? v : "?");
}

static int on_connected(void *handle, int event_id, void *params, void *user_data) {
    (void)handle;
    (void)event_id;
    struct app *app = user_data;
    pier_tcpserver_connected_params *p = params;
    if (app->raw) return 0;
    /* With implicit TLS, Connected fires once the handshake has completed. */
    char version[32], suite[96], host[64];
    negotiated(app->server, "SSLNegotiatedVersion", p->connection_id, version, sizeof version);
    negotiated(app->server, "SSLNegotiatedCipherSuite", p->connection_id, suite, sizeof suite);
    const char *remote = pier_tcpserver_get(app->server, PIER_TCPSERVER_PROP_REMOTEHOST, p->connection_id, NULL);
    snprintf(host, sizeof host, "%s", remote ? remote : "?");
    printf("[%d] connected from %s over %s, %s\n", p->connection_id, host, version, suite);
    char hello[256];
    snprintf(hello, sizeof hello, "Welcome to pier's TLS echo server (%s, %s). Type a line.\r\n", version, suite);
    send_or_keep(app, p->connection_id, hello, (int)strlen(hello));
    fflush(stdout);
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
    if (!p) return 0; /* also fires once right after the handshake */
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
    if (!app->raw) {
        printf("[%d] disconnected: %d %s\n", p->connection_id, p->status_code, p->description);
        fflush(stdout);
    }
    return 0;
}

/* Failed handshakes (a client that does not speak TLS, rejects the
 * certificate, or stalls past DefaultConnectionTimeout) arrive here. */
static int on_error(void *handle, int event_id, void *params, void *user_data) {
    (void)handle;
    (void)event_id;
    struct app *app = user_data;
    pier_tcpserver_error_params *p = params;
    if (!app->raw) fprintf(stderr, "[%d] error %d: %s\n", p->connection_id, p->error_code, p->description);
    return 0;
}

/* SSLCertStoreType from the file name: 2 = PFX file, 6 = PEM key file, 99 = auto-detect. */
static int store_type_of(const char *path) {
    const char *dot = strrchr(path, '.');
    if (dot && (strcmp(dot, ".pfx") == 0 || strcmp(dot, ".p12") == 0)) return 2;
    if (dot && (strcmp(dot, ".pem") == 0 || strcmp(dot, ".crt") == 0 || strcmp(dot, ".key") == 0)) return 6;
    return 99;
}

/* PORT as a program argument: decimal 0..65535 and nothing else. */
static int parse_port(const char *s, int *port) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 0 || v > 65535) return 0;
    *port = (int)v;
    return 1;
}

static void usage(const char *argv0) {
    fprintf(stderr, "usage: %s [--raw] [--config NAME=VALUE]... CERT.pem|CERT.pfx [PASSWORD] [PORT]\n", argv0);
}

int main(int argc, char **argv) {
    struct app app = {0};
    const char *cert = NULL, *password = "";
    int port = 4433, positional = 0;
    const char *configs[32];
    int nconfigs = 0;
    const char *raw_env = getenv("PIER_ECHO_RAW");
    app.raw = raw_env && strcmp(raw_env, "") != 0 && strcmp(raw_env, "0") != 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--raw") == 0) {
            app.raw = 1;
        } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc && nconfigs < 31) {
            configs[nconfigs++] = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s [--raw] [--config NAME=VALUE]... CERT.pem|CERT.pfx [PASSWORD] [PORT]\n", argv[0]);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            usage(argv[0]);
            return 2;
        } else if (positional == 0) {
            cert = argv[i], positional++;
        } else if (positional == 1) {
            password = argv[i], positional++;
        } else if (positional == 2) {
            if (!parse_port(argv[i], &port)) {
                usage(argv[0]);
                return 2;
            }
            positional++;
        } else {
            usage(argv[0]);
            return 2;
        }
    }
    if (!cert) {
        usage(argv[0]);
        return 2;
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

    if (app.raw) {
        pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, "", 0); /* no framing */
        pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTSINGLELINEMODE, 0, 0);
    } else {
        pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTSINGLELINEMODE, 0, 1); /* CR, LF or CRLF */
    }

    /* The certificate. Setting SSLCertSubject selects it now ("*" = the first
     * certificate with a private key), so a wrong password or a key that does
     * not match its certificate fails here, with the reason in the last error. */
    int rc = pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SSLCERTSTORETYPE, 0, store_type_of(cert));
    if (rc == 0) rc = pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSTORE, 0, cert, -1);
    if (rc == 0) rc = pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSTOREPASSWORD, 0, password, -1);
    if (rc == 0) rc = pier_tcpserver_set(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, "*", -1);
    if (rc != 0) {
        fprintf(stderr, "cannot use the certificate in %s: [%d] %s\n", cert, rc, pier_tcpserver_get_last_error(h));
        pier_tcpserver_close(h);
        return 1;
    }
    /* Implicit TLS: the handshake starts as soon as a client connects. */
    pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SSLSTARTMODE, 0, 1);

    char setting[64];
    const char *max_connections = getenv("PIER_MAX_CONNECTIONS");
    if (max_connections) {
        snprintf(setting, sizeof setting, "MaxConnections=%s", max_connections);
        configs[nconfigs++] = setting; /* room kept for it below */
    }
    for (int i = 0; i < nconfigs; i++) {
        if (pier_tcpserver_do_config(h, configs[i]) == NULL) {
            fprintf(stderr, "%s: %s\n", configs[i], pier_tcpserver_get_last_error(h));
            pier_tcpserver_close(h);
            return 1;
        }
    }

    rc = pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALHOST, 0, "127.0.0.1", -1);
    if (rc == 0) rc = pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, port);
    if (rc == 0) rc = pier_tcpserver_do_startlistening(h);
    if (rc != 0) {
        fprintf(stderr, "cannot listen on port %d: [%d] %s\n", port, rc, pier_tcpserver_get_last_error(h));
        pier_tcpserver_close(h);
        return 1;
    }
    port = (int)pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0);
    const char *subject = pier_tcpserver_get(h, PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, NULL);
    printf("pier %s TLS echo server (%s mode) listening on 127.0.0.1:%d\n", pier_version(),
           app.raw ? "raw" : "line", port);
    printf("certificate: %s\n", subject ? subject : "?");
    printf("connect with:  openssl s_client -connect 127.0.0.1:%d      (Ctrl-C here stops the server)\n", port);
    fflush(stdout);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
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
    pier_tcpserver_close(h);
    while (app.pending) drop_pending(&app, app.pending->connection_id);
    return rc == 0 ? 0 : 1;
}
