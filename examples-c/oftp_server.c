/*
 * oftp_server.c — an ODETTE FTP responder on pier's OFTPServer, in one C file.
 *
 *   oftp_server --port N --ssid CODE --sfid CODE --password PW --in DIR
 *               [--outbox DIR] [--partner SSID:PASSWORD[:CERT]]...
 *               [--cert FILE [--key FILE] [--client-ca FILE]]
 *               [--security-cert FILE] [--secure-auth off|optional|required]
 *               [--config SETTING=VALUE]... [--version 1.2|1.3|1.4|2.0] [--help]
 *
 *   --port       TCP port (3305 is ODETTE's, 6619 over TLS; 0 = any free port)
 *   --ssid       the server's SSID code (ServerSSIDCode), --sfid its SFID code,
 *   --password   the server's password (at most 8 characters)
 *   --in         where received files go (ConnDownloadDirectory); a file is
 *                there only once complete (partials in DIR/.oftp-partial)
 *   --outbox     when a partner hands over the turn, the files in
 *                DIR/<its SFID code>/ are sent to it (its SSID code when it
 *                sent no file yet); each moves to DIR/<code>/sent/ when the
 *                partner's EERP for it arrives
 *   --partner    accept this SSID code with this password only (repeatable);
 *                with none, any partner is accepted. An unknown code is
 *                refused with ESID 03, a wrong password with ESID 04.
 *                CERT: the partner's certificate (PEM or DER file) for OFTP
 *                2.0 security (ConnRecipientCertStore): secure
 *                authentication challenges it
 *   --security-cert  the server's own certificate for OFTP 2.0 security
 *                (Certificate): a PEM file with its RSA key, or a PKCS#12
 *                file; secure authentication answers challenges with it
 *   --secure-auth  SecureAuthentication: off (0), required (1), optional (2,
 *                the default: as the client asks)
 *   --config     any config setting, e.g. --config DecompressionLimit=1048576
 *                (docs/reference/oftpserver.md lists them)
 *   --cert       OFTP over TLS (UseSSL): a PEM file with the key and the
 *                certificate chain, or a PKCS#12 file; --key a separate PEM
 *                key; --client-ca a PEM CA bundle: clients must present a
 *                certificate it signed (SSLAuthenticateClients)
 *   --version    the highest OFTP level to agree (default 2.0)
 *
 * Prints "listening on N" once ready, then one line per session event. Runs
 * until SIGINT/SIGTERM, or for PIER_DEMO_SECONDS seconds when that is set.
 * Try it with the project's Initiator:
 *
 *   ./oftp_server --port 3305 --ssid O0013SERVER --sfid O0013SERVER \
 *       --password SECRET --in /tmp/in
 *   python3 tests-python/oftp_initiator.py --port 3305 --ssid O0013CLIENT \
 *       --password SECRET --server-password SECRET --send some.file
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pier.h"

#define MAX_PARTNERS 64

struct partner {
    char ssid[26];
    char password[9];
    const char *cert; /* NULL: none */
};

struct app {
    pier_oftpserver *server;
    const char *in_dir, *outbox;
    struct partner partners[MAX_PARTNERS];
    int npartners;
    int max_version; /* 0 1.2, 1 1.3, 2 1.4, 3 2.0 */
    char ssid_of[1024][26]; /* the partner's SSID code by connection id (mod 1024) */
};

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *out) {
    fprintf(out,
            "usage: oftp_server --port N --ssid CODE --sfid CODE --password PW --in DIR\n"
            "                   [--outbox DIR] [--partner SSID:PASSWORD[:CERT]]...\n"
            "                   [--cert FILE [--key FILE] [--client-ca FILE]]\n"
            "                   [--security-cert FILE] [--secure-auth off|optional|required]\n"
            "                   [--config SETTING=VALUE]... [--version 1.2|1.3|1.4|2.0] [--help]\n"
            "An ODETTE FTP responder: receives into --in, sends --outbox/<partner>/* at the\n"
            "partner's turn, moving each file to sent/ on its EERP. See the source for more.\n");
}

static int bad(const char *what, const char *value) {
    fprintf(stderr, "oftp_server: bad %s '%s'\n", what, value);
    usage(stderr);
    return 2;
}

static void check(struct app *app, int rc, const char *what) {
    if (rc != 0) {
        fprintf(stderr, "oftp_server: %s failed: %d %s\n", what, rc, pier_oftpserver_get_last_error(app->server));
        exit(1);
    }
}

/* The directory of a partner's outgoing files: its SFID code, else its SSID code. */
static void partner_dir(struct app *app, int cid, char *out, size_t size) {
    const char *sfid = (const char *)pier_oftpserver_get(app->server, PIER_OFTPSERVER_PROP_CONNSFIDCODE, cid, NULL);
    const char *code = (sfid && *sfid) ? sfid : app->ssid_of[cid % 1024];
    snprintf(out, size, "%s/%s", app->outbox, code);
}

/* Sends every regular file of the partner's outbox directory. */
static void send_outbox(struct app *app, int cid) {
    char dir[PATH_MAX];
    partner_dir(app, cid, dir, sizeof dir);
    const char *code = strrchr(dir, '/') + 1;
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[PATH_MAX];
        struct stat st;
        if (e->d_name[0] == '.') continue;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) continue;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        int rc = pier_oftpserver_do_sendfile(app->server, cid, code, path, e->d_name);
        if (rc != 0) {
            printf("[%d] sending %s failed: %d %s\n", cid, e->d_name, rc, pier_oftpserver_get_last_error(app->server));
            if (rc != 687) break; /* the session is gone */
        }
    }
    closedir(d);
}

/* The partner's EERP: the file moves to sent/. */
static void file_delivered(struct app *app, int cid, const char *name) {
    char dir[PATH_MAX], from[PATH_MAX], sent[PATH_MAX], to[PATH_MAX];
    partner_dir(app, cid, dir, sizeof dir);
    if (snprintf(from, sizeof from, "%s/%s", dir, name) >= (int)sizeof from) return;
    if (snprintf(sent, sizeof sent, "%s/sent", dir) >= (int)sizeof sent) return;
    if (snprintf(to, sizeof to, "%s/%s", sent, name) >= (int)sizeof to) return;
    if (mkdir(sent, 0755) != 0 && errno != EEXIST) return;
    if (rename(from, to) == 0) printf("[%d] %s delivered, moved to sent/\n", cid, name);
}

static int on_event(void *handle, int event_id, void *params, void *user_data) {
    struct app *app = user_data;
    (void)handle;
    switch (event_id) {
    case PIER_OFTPSERVER_EVENT_ACCEPTCONNECTION: {
        pier_oftpserver_acceptconnection_params *p = params;
        snprintf(app->ssid_of[p->connection_id % 1024], 26, "%s", p->client_ssid_code);
        if (app->npartners > 0) {
            int known = -1;
            for (int i = 0; i < app->npartners; i++)
                if (strcmp(app->partners[i].ssid, p->client_ssid_code) == 0) known = i;
            if (known < 0) {
                p->accept = false;
                p->error_code = 3; /* ESID 03: user code not known */
            } else if (strcmp(app->partners[known].password, p->client_password) != 0) {
                p->accept = false;
                p->error_code = 4; /* ESID 04: invalid password */
            }
        }
        if (p->server_version > app->max_version) p->server_version = app->max_version;
        printf("[%d] %s (OFTP level %d) %s\n", p->connection_id, p->client_ssid_code, p->client_version,
               p->accept ? "accepted" : "refused");
        if (p->accept)
            pier_oftpserver_set(app->server, PIER_OFTPSERVER_PROP_CONNDOWNLOADDIRECTORY, p->connection_id, app->in_dir,
                                -1);
        for (int i = 0; p->accept && i < app->npartners; i++) {
            /* The partner's certificate: what secure authentication challenges. */
            const struct partner *pt = &app->partners[i];
            if (pt->cert && strcmp(pt->ssid, p->client_ssid_code) == 0) {
                int cid = p->connection_id;
                pier_oftpserver_set_int(app->server, PIER_OFTPSERVER_PROP_CONNRECIPIENTCERTSTORETYPE, cid, 99);
                pier_oftpserver_set(app->server, PIER_OFTPSERVER_PROP_CONNRECIPIENTCERTSTORE, cid, pt->cert, -1);
                pier_oftpserver_set(app->server, PIER_OFTPSERVER_PROP_CONNRECIPIENTCERTSUBJECT, cid, "*", -1);
            }
        }
        break;
    }
    case PIER_OFTPSERVER_EVENT_ENDTRANSFER: {
        pier_oftpserver_endtransfer_params *p = params;
        printf("[%d] %s %s: %s (%lld bytes)%s%s\n", p->connection_id, p->direction == 0 ? "received" : "sent",
               p->virtual_file_name, p->reason_code == 0 ? "ok" : "failed", (long long)p->file_size,
               p->reason_code ? " " : "", p->reason_code ? p->reason_text : "");
        break;
    }
    case PIER_OFTPSERVER_EVENT_ENDRESPONSE: {
        pier_oftpserver_endresponse_params *p = params;
        if (p->direction == 0 && p->reason_code == 0 && app->outbox) file_delivered(app, p->connection_id, p->virtual_file_name);
        if (p->reason_code != 0)
            printf("[%d] NERP for %s: %d %s\n", p->connection_id, p->virtual_file_name, p->reason_code, p->reason_text);
        break;
    }
    case PIER_OFTPSERVER_EVENT_READYTOSEND: {
        pier_oftpserver_readytosend_params *p = params;
        if (app->outbox) send_outbox(app, p->connection_id);
        pier_oftpserver_do_logoff(app->server, p->connection_id);
        break;
    }
    case PIER_OFTPSERVER_EVENT_ERROR: {
        pier_oftpserver_error_params *p = params;
        printf("[%d] error %d: %s\n", p->connection_id, p->error_code, p->description);
        break;
    }
    case PIER_OFTPSERVER_EVENT_DISCONNECTED: {
        pier_oftpserver_disconnected_params *p = params;
        printf("[%d] disconnected: %d %s\n", p->connection_id, p->status_code, p->description);
        break;
    }
    default:
        break;
    }
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv) {
    static struct app app;
    const char *port = NULL, *ssid = NULL, *sfid = NULL, *password = NULL, *cert = NULL, *key = NULL, *client_ca = NULL;
    const char *security_cert = NULL;
    const char *configs[32];
    int nconfigs = 0;
    int secure_auth = 2;
    app.max_version = 3;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        const char *opts[] = {"--port", "--ssid", "--sfid", "--password", "--in", "--outbox",
                              "--partner", "--cert", "--key", "--client-ca", "--version", "--security-cert",
                              "--secure-auth", "--config"};
        int known = 0;
        for (size_t k = 0; k < sizeof opts / sizeof *opts; k++) known |= strcmp(a, opts[k]) == 0;
        if (!known) return bad("option", a);
        if (i + 1 >= argc) return bad("missing value for", a);
        const char *v = argv[++i];
        if (strcmp(a, "--port") == 0) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*v == 0 || *end != 0 || n < 0 || n > 65535) return bad("port", v);
            port = v;
        } else if (strcmp(a, "--ssid") == 0) {
            ssid = v;
        } else if (strcmp(a, "--sfid") == 0) {
            sfid = v;
        } else if (strcmp(a, "--password") == 0) {
            password = v;
        } else if (strcmp(a, "--in") == 0) {
            app.in_dir = v;
        } else if (strcmp(a, "--outbox") == 0) {
            app.outbox = v;
        } else if (strcmp(a, "--partner") == 0) {
            const char *colon = strchr(v, ':');
            const char *cert_at = colon ? strchr(colon + 1, ':') : NULL;
            size_t pwlen = cert_at ? (size_t)(cert_at - colon - 1) : (colon ? strlen(colon + 1) : 0);
            if (!colon || colon == v || colon - v > 25 || pwlen > 8 || (cert_at && !cert_at[1]) ||
                app.npartners == MAX_PARTNERS)
                return bad("partner (SSID:PASSWORD[:CERT])", v);
            struct partner *p = &app.partners[app.npartners++];
            snprintf(p->ssid, sizeof p->ssid, "%.*s", (int)(colon - v), v);
            snprintf(p->password, sizeof p->password, "%.*s", (int)pwlen, colon + 1);
            p->cert = cert_at ? cert_at + 1 : NULL;
        } else if (strcmp(a, "--cert") == 0) {
            cert = v;
        } else if (strcmp(a, "--key") == 0) {
            key = v;
        } else if (strcmp(a, "--client-ca") == 0) {
            client_ca = v;
        } else if (strcmp(a, "--config") == 0) {
            if (!strchr(v, '=') || nconfigs == (int)(sizeof configs / sizeof *configs)) return bad("config", v);
            configs[nconfigs++] = v;
        } else if (strcmp(a, "--security-cert") == 0) {
            security_cert = v;
        } else if (strcmp(a, "--secure-auth") == 0) {
            const char *modes[] = {"off", "required", "optional"};
            secure_auth = -1;
            for (int k = 0; k < 3; k++)
                if (strcmp(v, modes[k]) == 0) secure_auth = k;
            if (secure_auth < 0) return bad("secure-auth", v);
        } else if (strcmp(a, "--version") == 0) {
            const char *levels[] = {"1.2", "1.3", "1.4", "2.0"};
            app.max_version = -1;
            for (int k = 0; k < 4; k++)
                if (strcmp(v, levels[k]) == 0) app.max_version = k;
            if (app.max_version < 0) return bad("version", v);
        }
    }
    if (!port || !ssid || !sfid || !password || !app.in_dir) {
        fprintf(stderr, "oftp_server: --port, --ssid, --sfid, --password and --in are required\n");
        usage(stderr);
        return 2;
    }
    if ((key || client_ca) && !cert) return bad("option without --cert", key ? "--key" : "--client-ca");
    struct stat st;
    if (stat(app.in_dir, &st) != 0 || !S_ISDIR(st.st_mode)) return bad("--in directory", app.in_dir);

    app.server = pier_oftpserver_open();
    if (!app.server) return 1;
    pier_oftpserver *h = app.server;
    check(&app, pier_oftpserver_set(h, PIER_OFTPSERVER_PROP_LOCALPORT, 0, port, -1), "LocalPort");
    check(&app, pier_oftpserver_set(h, PIER_OFTPSERVER_PROP_SERVERSSIDCODE, 0, ssid, -1), "--ssid");
    check(&app, pier_oftpserver_set(h, PIER_OFTPSERVER_PROP_SERVERSFIDCODE, 0, sfid, -1), "--sfid");
    check(&app, pier_oftpserver_set(h, PIER_OFTPSERVER_PROP_SERVERPASSWORD, 0, password, -1), "--password");
    if (security_cert) {
        check(&app, pier_oftpserver_set_int(h, PIER_OFTPSERVER_PROP_CERTIFICATESTORETYPE, 0, 99), "--security-cert");
        check(&app, pier_oftpserver_set(h, PIER_OFTPSERVER_PROP_CERTIFICATESTORE, 0, security_cert, -1),
              "--security-cert");
        check(&app, pier_oftpserver_set(h, PIER_OFTPSERVER_PROP_CERTIFICATESUBJECT, 0, "*", -1), "--security-cert");
    }
    {
        char cfg[64];
        snprintf(cfg, sizeof cfg, "SecureAuthentication=%d", secure_auth);
        if (!pier_oftpserver_do_config(h, cfg)) check(&app, pier_oftpserver_get_last_error_code(h), "--secure-auth");
    }
    for (int k = 0; k < nconfigs; k++)
        if (!pier_oftpserver_do_config(h, configs[k])) check(&app, pier_oftpserver_get_last_error_code(h), configs[k]);
    if (cert) {
        /* A separate key: the PEM store is key + chain, read from both files. */
        check(&app, pier_oftpserver_set_int(h, PIER_OFTPSERVER_PROP_SSLCERTSTORETYPE, 0, 99), "SSLCertStoreType");
        if (key) {
            static char blob[1 << 16];
            size_t n = 0;
            const char *files[] = {key, cert};
            for (int k = 0; k < 2; k++) {
                FILE *f = fopen(files[k], "rb");
                if (!f) return bad("file", files[k]);
                n += fread(blob + n, 1, sizeof blob - n - 1, f);
                fclose(f);
                blob[n++] = '\n';
            }
            check(&app, pier_oftpserver_set_int(h, PIER_OFTPSERVER_PROP_SSLCERTSTORETYPE, 0, 7), "SSLCertStoreType");
            check(&app, pier_oftpserver_set(h, PIER_OFTPSERVER_PROP_SSLCERTSTORE, 0, blob, (int)n), "--key");
        } else {
            check(&app, pier_oftpserver_set(h, PIER_OFTPSERVER_PROP_SSLCERTSTORE, 0, cert, -1), "--cert");
        }
        check(&app, pier_oftpserver_set(h, PIER_OFTPSERVER_PROP_SSLCERTSUBJECT, 0, "*", -1), "--cert");
        check(&app, pier_oftpserver_set_int(h, PIER_OFTPSERVER_PROP_USESSL, 0, 1), "UseSSL");
        if (client_ca) {
            /* SSLCACerts takes the PEM text itself. */
            static char cfg[1 << 16];
            int off = snprintf(cfg, sizeof cfg, "SSLCACerts=");
            FILE *f = fopen(client_ca, "rb");
            if (!f) return bad("--client-ca", client_ca);
            size_t n = fread(cfg + off, 1, sizeof cfg - (size_t)off - 1, f);
            fclose(f);
            cfg[off + (int)n] = 0;
            if (!pier_oftpserver_do_config(h, cfg)) check(&app, pier_oftpserver_get_last_error_code(h), "--client-ca");
            check(&app, pier_oftpserver_set_int(h, PIER_OFTPSERVER_PROP_SSLAUTHENTICATECLIENTS, 0, 1), "--client-ca");
        }
    }
    /* Only the events handled above: an event without a callback costs
     * nothing (PITrail and Transfer are not even built then). */
    const int events[] = {PIER_OFTPSERVER_EVENT_ACCEPTCONNECTION, PIER_OFTPSERVER_EVENT_ENDTRANSFER,
                          PIER_OFTPSERVER_EVENT_ENDRESPONSE,      PIER_OFTPSERVER_EVENT_READYTOSEND,
                          PIER_OFTPSERVER_EVENT_ERROR,            PIER_OFTPSERVER_EVENT_DISCONNECTED};
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++)
        pier_oftpserver_register_callback(h, events[i], on_event, &app);
    check(&app, pier_oftpserver_do_startlistening(h), "StartListening");
    printf("listening on %lld\n", (long long)pier_oftpserver_get_int(h, PIER_OFTPSERVER_PROP_LOCALPORT, 0));
    fflush(stdout);

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    const char *secs = getenv("PIER_DEMO_SECONDS");
    time_t until = secs ? time(NULL) + atoi(secs) : 0;
    while (!stop_requested && (!until || time(NULL) < until)) {
        int rc = pier_oftpserver_do_doevents(h);
        if (rc != 0) fprintf(stderr, "do_doevents: %d %s\n", rc, pier_oftpserver_get_last_error(h));
    }
    pier_oftpserver_do_shutdown(h);
    for (int i = 0; i < 20; i++) pier_oftpserver_do_doevents(h);
    pier_oftpserver_close(h);
    return 0;
}
