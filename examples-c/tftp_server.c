/*
 * tftp_server.c — a TFTP server serving a directory, ready for PXE boot.
 *
 *   tftp_server DIR [PORT]        (PORT defaults to 69, which needs root;
 *                                  0 = any free port, printed at start)
 *
 * Clients can download every file under DIR (and upload into it); no request
 * can reach outside DIR. Options a PXE ROM or a modern client asks for are
 * negotiated: blksize, tsize, timeout and windowsize. For example, with
 * pxelinux.0 in DIR:
 *
 *   tftp 127.0.0.1 6969 -m octet -c get pxelinux.0
 *   curl -o pxelinux.0 --tftp-blksize 1468 tftp://127.0.0.1:6969/pxelinux.0
 *   atftp -g -r pxelinux.0 -l pxelinux.0 --option "windowsize 16" 127.0.0.1 6969
 *
 * Environment (all optional):
 *   PIER_TFTP_QUIET=1         do not print one line per transfer
 *   PIER_TFTP_SINGLE_PORT=1   answer every transfer from the listening port
 *                             (clients behind NAT or in containers)
 *   PIER_TFTP_POLICY=...      ClientPolicy, e.g. "10.0.0.0/8:blksize=1468"
 *   PIER_TFTP_THREADS=N       run N servers on N threads sharing the port
 *                             (ShareLocalPort, i.e. SO_REUSEPORT): the kernel
 *                             spreads requests over them, using N cores
 *   PIER_DEMO_SECONDS=N       stop after N seconds (else run until SIGINT/SIGTERM)
 *
 * What it shows: LocalDir, config settings, the DoEvents loop, the
 * ConnectionRequest / Disconnected events, and one handle per thread on a
 * shared port.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pier.h"

struct app {
    pier_tftpserver *server;
    int quiet;
};

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static int on_request(void *h, int event_id, void *params, void *user_data) {
    struct app *app = (struct app *)user_data;
    pier_tftpserver_connectionrequest_params *p = (pier_tftpserver_connectionrequest_params *)params;
    (void)h;
    (void)event_id;
    if (!app->quiet)
        printf("%s %s:%d %s (%s)\n", p->operation == PIER_TFTPSERVER_OPERATION_READ ? "get" : "put",
               p->remote_host, p->remote_port, p->filename, p->transfer_mode);
    /* p->accept = false; would refuse the request with TFTP error 2. */
    return 0;
}

static int on_disconnected(void *h, int event_id, void *params, void *user_data) {
    struct app *app = (struct app *)user_data;
    pier_tftpserver_disconnected_params *p = (pier_tftpserver_disconnected_params *)params;
    (void)event_id;
    if (!app->quiet) {
        /* Connection properties are still readable inside Disconnected. */
        const char *name = (const char *)pier_tftpserver_get((pier_tftpserver *)h, PIER_TFTPSERVER_PROP_CONNFILENAME,
                                                             p->connection_id, NULL);
        if (p->status_code == 0)
            printf("  #%d %s: done\n", p->connection_id, name ? name : "?");
        else
            printf("  #%d %s: failed, %d %s\n", p->connection_id, name ? name : "?", p->status_code,
                   p->description);
    }
    return 0;
}

static int fail(pier_tftpserver *s, const char *what) {
    fprintf(stderr, "tftp_server: %s: %d %s\n", what, pier_tftpserver_get_last_error_code(s),
            pier_tftpserver_get_last_error(s));
    pier_tftpserver_close(s);
    return 1;
}

/* Opens and configures one server; NULL (after a message) on failure. */
static pier_tftpserver *make_server(const char *dir, int port, int shared, struct app *app) {
    pier_tftpserver *s = pier_tftpserver_open();
    if (!s) return NULL;
    if (pier_tftpserver_set(s, PIER_TFTPSERVER_PROP_LOCALDIR, 0, dir, -1)) return fail(s, "LocalDir"), NULL;
    if (pier_tftpserver_set_int(s, PIER_TFTPSERVER_PROP_LOCALPORT, 0, port)) return fail(s, "LocalPort"), NULL;
    /* Seconds between retransmissions, and how long a silent client is kept. */
    pier_tftpserver_set_int(s, PIER_TFTPSERVER_PROP_RETRANSMITTIMEOUT, 0, 2);
    pier_tftpserver_set_int(s, PIER_TFTPSERVER_PROP_TIMEOUT, 0, 30);
    pier_tftpserver_do_config(s, "LogLevel=0");
    /* Up to 64 blocks per window for clients that ask (RFC 7440). */
    pier_tftpserver_do_config(s, "WindowSize=64");
    /* Room for a burst of requests (a PXE boot storm): the system default
     * receive buffer (~200 KiB on Linux) holds a few hundred and the kernel
     * drops the rest until the clients retry (bench/tftp_hostile.py). */
    pier_tftpserver_do_config(s, "InBufferSize=2097152");
    if (shared && !pier_tftpserver_do_config(s, "ShareLocalPort=True")) return fail(s, "ShareLocalPort"), NULL;
    if (getenv("PIER_TFTP_SINGLE_PORT") && !pier_tftpserver_do_config(s, "SinglePortMode=True"))
        return fail(s, "SinglePortMode"), NULL;
    const char *policy = getenv("PIER_TFTP_POLICY");
    if (policy) {
        char setting[1024];
        snprintf(setting, sizeof setting, "ClientPolicy=%s", policy);
        if (!pier_tftpserver_do_config(s, setting)) return fail(s, "ClientPolicy"), NULL;
    }
    pier_tftpserver_register_callback(s, PIER_TFTPSERVER_EVENT_CONNECTIONREQUEST, on_request, app);
    pier_tftpserver_register_callback(s, PIER_TFTPSERVER_EVENT_DISCONNECTED, on_disconnected, app);
    if (pier_tftpserver_do_startlistening(s)) return fail(s, "StartListening"), NULL;
    return s;
}

static time_t until;

/* The DoEvents loop of one server: everything happens in these calls. */
static void *serve(void *arg) {
    struct app *app = (struct app *)arg;
    while (!stop_requested && (!until || time(NULL) < until)) {
        if (pier_tftpserver_do_doevents(app->server)) {
            fail(app->server, "DoEvents");
            app->server = NULL;
            stop_requested = 1;
            return NULL;
        }
        if (!app->quiet) fflush(stdout);
    }
    return NULL;
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
    static const char usage[] = "usage: tftp_server DIR [PORT]   (serves DIR; PORT defaults to 69)\n";
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage, stdout);
        return 0;
    }
    int port = 69;
    /* An option is never taken for a directory name (./-x names one that is). */
    if (argc < 2 || argc > 3 || argv[1][0] == '-' || (argc == 3 && !parse_port(argv[2], &port))) {
        fputs(usage, stderr);
        return 2;
    }
    const char *dir = argv[1];
    const char *th = getenv("PIER_TFTP_THREADS");
    int nthreads = th ? atoi(th) : 1;
    if (nthreads < 1 || nthreads > 64) nthreads = 1;
    struct app apps[64];
    memset(apps, 0, sizeof apps);
    int quiet = getenv("PIER_TFTP_QUIET") != NULL;

    for (int i = 0; i < nthreads; i++) {
        apps[i].quiet = quiet;
        /* The first server picks the port (when 0); the others share it. */
        apps[i].server = make_server(dir, port, nthreads > 1, &apps[i]);
        if (!apps[i].server) return 1;
        port = (int)pier_tftpserver_get_int(apps[i].server, PIER_TFTPSERVER_PROP_LOCALPORT, 0);
    }
    printf("tftp_server: serving %s on UDP port %d (%d thread%s)\n", dir, port, nthreads, nthreads > 1 ? "s" : "");
    printf("  fetch with: tftp 127.0.0.1 %d -m octet -c get pxelinux.0\n", port);
    printf("          or: curl -o pxelinux.0 tftp://127.0.0.1:%d/pxelinux.0\n", port);
    fflush(stdout);

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    const char *secs = getenv("PIER_DEMO_SECONDS");
    until = secs ? time(NULL) + atoi(secs) : 0;
    pthread_t threads[64];
    for (int i = 1; i < nthreads; i++) pthread_create(&threads[i], NULL, serve, &apps[i]);
    serve(&apps[0]);
    for (int i = 1; i < nthreads; i++) pthread_join(threads[i], NULL);
    int rc = 0;
    for (int i = 0; i < nthreads; i++) {
        if (apps[i].server)
            pier_tftpserver_close(apps[i].server);
        else
            rc = 1;
    }
    return rc;
}
