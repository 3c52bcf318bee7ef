/*
 * record_server.c — fixed-length records with pier (RecordLength framing).
 *
 *   record_server [PORT]      (PORT defaults to 4002; 0 = any free port)
 *
 * The protocol: a client sends messages framed as a 4-byte big-endian length
 * followed by that many bytes of body. For each one the server replies in the
 * same framing with the body reversed.
 *
 *   printf '\0\0\0\5hello' | nc -q1 127.0.0.1 4002 | od -c    ->  \0 \0 \0 005 o l l e h
 *
 * Runs until SIGINT/SIGTERM, or for PIER_DEMO_SECONDS seconds when that is set.
 *
 * What it shows: with RecordLength > 0 DataIn fires only with exactly that
 * many bytes, however the data was cut on the way. ChangeRecordLength inside
 * DataIn switches between "the 4-byte header" and "a body of N bytes". The
 * per-connection UserData property remembers which of the two comes next.
 * DefaultTimeout > 0 makes sends synchronous: a send returns once all of its
 * bytes are handed to the socket, so there is no partial-send bookkeeping.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pier.h"

#define HEADER_LEN 4
#define MAX_BODY (1 << 20) /* refuse bodies over 1 MiB */

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

/* Reply with `len` bytes of `body` reversed, framed with the length header. */
static void reply_reversed(pier_tcpserver *h, int cid, const uint8_t *body, int len) {
    uint8_t *out = malloc((size_t)len + HEADER_LEN);
    if (!out) return;
    out[0] = (uint8_t)(len >> 24);
    out[1] = (uint8_t)(len >> 16);
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
    for (int i = 0; i < len; i++) out[HEADER_LEN + i] = body[len - 1 - i];
    if (pier_tcpserver_do_send(h, cid, out, len + HEADER_LEN) != 0) {
        fprintf(stderr, "[%d] send failed: %s\n", cid, pier_tcpserver_get_last_error(h));
        pier_tcpserver_do_disconnect(h, cid);
    }
    free(out);
}

static int on_connected(void *handle, int event_id, void *params, void *user_data) {
    (void)handle;
    (void)event_id;
    pier_tcpserver *h = user_data;
    int cid = ((pier_tcpserver_connected_params *)params)->connection_id;
    pier_tcpserver_do_changerecordlength(h, cid, HEADER_LEN); /* first comes a header */
    return 0;
}

static int on_datain(void *handle, int event_id, void *params, void *user_data) {
    (void)handle;
    (void)event_id;
    pier_tcpserver *h = user_data;
    pier_tcpserver_datain_params *p = params;
    int cid = p->connection_id;

    const char *state = pier_tcpserver_get(h, PIER_TCPSERVER_PROP_USERDATA, cid, NULL);
    if (state && strcmp(state, "body") == 0) {
        /* A whole body: answer it, then wait for the next header. */
        reply_reversed(h, cid, p->text, p->text_len);
        pier_tcpserver_set(h, PIER_TCPSERVER_PROP_USERDATA, cid, "", 0);
        pier_tcpserver_do_changerecordlength(h, cid, HEADER_LEN);
        return 0;
    }

    /* A header: exactly 4 bytes, big-endian body length. */
    uint32_t len = (uint32_t)p->text[0] << 24 | (uint32_t)p->text[1] << 16 |
                   (uint32_t)p->text[2] << 8 | (uint32_t)p->text[3];
    if (len > MAX_BODY) {
        fprintf(stderr, "[%d] record of %u bytes refused\n", cid, len);
        pier_tcpserver_do_disconnect(h, cid);
    } else if (len == 0) {
        reply_reversed(h, cid, p->text, 0); /* an empty body: nothing to wait for */
    } else {
        pier_tcpserver_set(h, PIER_TCPSERVER_PROP_USERDATA, cid, "body", -1);
        pier_tcpserver_do_changerecordlength(h, cid, (int)len);
    }
    return 0;
}

static int on_disconnected(void *handle, int event_id, void *params, void *user_data) {
    (void)handle;
    (void)event_id;
    (void)user_data;
    pier_tcpserver_disconnected_params *p = params;
    printf("[%d] disconnected: %d %s\n", p->connection_id, p->status_code, p->description);
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
    static const char usage[] = "usage: record_server [PORT]   (default 4002; 0 = any free port)\n";
    int port = 4002;
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

    /* Synchronous sends, giving up after 10 s without progress (error 10060). */
    pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTTIMEOUT, 0, 10);
    pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALHOST, 0, "127.0.0.1", -1);
    pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, port);
    if (pier_tcpserver_do_startlistening(h) != 0) {
        fprintf(stderr, "cannot listen on port %d: %s\n", port, pier_tcpserver_get_last_error(h));
        pier_tcpserver_close(h);
        return 1;
    }
    port = (int)pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0);
    printf("record server listening on 127.0.0.1:%d\n", port);
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
