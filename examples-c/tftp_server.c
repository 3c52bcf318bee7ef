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
 *   PIER_DEMO_SECONDS=N       stop after N seconds (else run until SIGINT/SIGTERM)
 *
 * What it shows: LocalDir, config settings, the DoEvents loop, and the
 * ConnectionRequest / Connected / EndTransfer / Disconnected events.
 */
#define _POSIX_C_SOURCE 200809L
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

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s DIR [PORT]\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    int port = argc > 2 ? atoi(argv[2]) : 69;
    struct app app;
    memset(&app, 0, sizeof app);
    app.quiet = getenv("PIER_TFTP_QUIET") != NULL;

    pier_tftpserver *s = pier_tftpserver_open();
    if (!s) return 1;
    app.server = s;
    if (pier_tftpserver_set(s, PIER_TFTPSERVER_PROP_LOCALDIR, 0, dir, -1)) return fail(s, "LocalDir");
    if (pier_tftpserver_set_int(s, PIER_TFTPSERVER_PROP_LOCALPORT, 0, port)) return fail(s, "LocalPort");
    /* Seconds between retransmissions, and how long a silent client is kept. */
    pier_tftpserver_set_int(s, PIER_TFTPSERVER_PROP_RETRANSMITTIMEOUT, 0, 2);
    pier_tftpserver_set_int(s, PIER_TFTPSERVER_PROP_TIMEOUT, 0, 30);
    pier_tftpserver_do_config(s, "LogLevel=0");
    /* Up to 64 blocks per window for clients that ask (RFC 7440). */
    pier_tftpserver_do_config(s, "WindowSize=64");
    if (getenv("PIER_TFTP_SINGLE_PORT") && !pier_tftpserver_do_config(s, "SinglePortMode=True"))
        return fail(s, "SinglePortMode");
    const char *policy = getenv("PIER_TFTP_POLICY");
    if (policy) {
        char setting[1024];
        snprintf(setting, sizeof setting, "ClientPolicy=%s", policy);
        if (!pier_tftpserver_do_config(s, setting)) return fail(s, "ClientPolicy");
    }
    pier_tftpserver_register_callback(s, PIER_TFTPSERVER_EVENT_CONNECTIONREQUEST, on_request, &app);
    pier_tftpserver_register_callback(s, PIER_TFTPSERVER_EVENT_DISCONNECTED, on_disconnected, &app);
    if (pier_tftpserver_do_startlistening(s)) return fail(s, "StartListening");
    port = (int)pier_tftpserver_get_int(s, PIER_TFTPSERVER_PROP_LOCALPORT, 0);
    printf("tftp_server: serving %s on UDP port %d\n", dir, port);
    printf("  fetch with: tftp 127.0.0.1 %d -m octet -c get pxelinux.0\n", port);
    printf("          or: curl -o pxelinux.0 tftp://127.0.0.1:%d/pxelinux.0\n", port);
    fflush(stdout);

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    const char *secs = getenv("PIER_DEMO_SECONDS");
    time_t until = secs ? time(NULL) + atoi(secs) : 0;
    while (!stop_requested && (!until || time(NULL) < until)) {
        int rc = pier_tftpserver_do_doevents(s);
        if (rc) return fail(s, "DoEvents");
        if (!app.quiet) fflush(stdout);
    }
    pier_tftpserver_close(s);
    return 0;
}
