/*
 * ws_load.c — a WebSocket echo load generator for bench/ws_bench.sh.
 *
 *   ws_load PORT CONNS SIZE SECONDS [--idle] [--deflate] [--deflate-echo FILE]
 *
 * Opens CONNS WebSocket connections to 127.0.0.1:PORT (no extensions
 * offered), then on each keeps exactly one masked binary message of SIZE
 * bytes in flight: send, wait for the whole echo, send again. After SECONDS
 * it prints one line:
 *
 *   conns=100 size=1024 secs=5.00 msgs=123456 rate=24691 p50_us=812 p99_us=2210
 *
 * (latencies are per round trip). With --idle it opens the connections,
 * completes every handshake, prints "idle conns=N", and then waits (for
 * SECONDS) without sending, so the server's memory per idle connection can
 * be read. --deflate offers permessage-deflate without context takeover
 * (for the idle figure with compression agreed; the echo loads send plain
 * frames). --deflate-echo FILE offers permessage-deflate with
 * client_no_context_takeover (the server keeps its context) and sends FILE's
 * bytes — one message compressed by bench/ws_bench.sh, raw deflate without
 * its 00 00 ff ff tail — as a compressed (RSV1) frame, the same each time,
 * which no context takeover allows; SIZE is then ignored. One thread, epoll,
 * non-blocking sockets.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn {
    int fd;
    int open;          /* handshake done */
    char *out;         /* the frame to send */
    size_t out_len, out_off;
    char *in;          /* what came back */
    size_t in_len, in_cap, want;
    long long sent_at; /* ns */
};

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

static const char REQUEST[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
static const char REQUEST_DEFLATE_ECHO[] =
    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover\r\n\r\n";
static const char REQUEST_DEFLATE[] =
    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n\r\n";

/* A masked binary frame of `size` payload bytes: `payload`, or a pattern
 * when NULL; RSV1 marks it compressed. */
static char *make_frame(size_t size, const char *payload, int rsv1, size_t *len) {
    size_t hdr = size < 126 ? 2 : size < 65536 ? 4 : 10;
    char *f = malloc(hdr + 4 + size);
    if (!f) abort();
    f[0] = (char)(0x82 | (rsv1 ? 0x40 : 0));
    if (size < 126) {
        f[1] = (char)(0x80 | size);
    } else if (size < 65536) {
        f[1] = (char)(0x80 | 126);
        f[2] = (char)(size >> 8);
        f[3] = (char)size;
    } else {
        f[1] = (char)(0x80 | 127);
        for (int i = 0; i < 8; i++) f[2 + i] = (char)((uint64_t)size >> (56 - 8 * i));
    }
    unsigned char key[4] = {0x12, 0x34, 0x56, 0x78};
    memcpy(f + hdr, key, 4);
    for (size_t i = 0; i < size; i++)
        f[hdr + 4 + i] = (char)((payload ? (unsigned char)payload[i] : (unsigned char)('a' + i % 26)) ^ key[i % 4]);
    *len = hdr + 4 + size;
    return f;
}

/* The whole server frame's length once its header is in, else 0. */
static size_t frame_len(const unsigned char *b, size_t have) {
    if (have < 2) return 0;
    size_t len = b[1] & 0x7f, hdr = 2;
    if (len == 126) {
        if (have < 4) return 0;
        len = ((size_t)b[2] << 8) | b[3];
        hdr = 4;
    } else if (len == 127) {
        if (have < 10) return 0;
        len = 0;
        for (int i = 0; i < 8; i++) len = (len << 8) | b[2 + i];
        hdr = 10;
    }
    return hdr + len;
}

static void flush_out(struct conn *c) {
    while (c->out_off < c->out_len) {
        ssize_t k = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (k < 0 && errno == EAGAIN) return;
        if (k <= 0) {
            perror("send");
            exit(1);
        }
        c->out_off += (size_t)k;
    }
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: ws_load PORT CONNS SIZE SECONDS [--idle]\n");
        return 2;
    }
    int port = atoi(argv[1]), n = atoi(argv[2]);
    size_t size = (size_t)atol(argv[3]);
    double secs = atof(argv[4]);
    int idle = 0, deflate = 0;
    char *payload = NULL;
    for (int a = 5; a < argc; a++) {
        if (!strcmp(argv[a], "--idle")) idle = 1;
        if (!strcmp(argv[a], "--deflate")) deflate = 1;
        if (!strcmp(argv[a], "--deflate-echo") && a + 1 < argc) {
            FILE *pf = fopen(argv[++a], "rb");
            if (!pf) {
                perror(argv[a]);
                return 2;
            }
            payload = malloc(1 << 20);
            if (!payload) abort();
            size = fread(payload, 1, 1 << 20, pf);
            fclose(pf);
            deflate = 1;
        }
    }
    const char *request = payload ? REQUEST_DEFLATE_ECHO : deflate ? REQUEST_DEFLATE : REQUEST;
    size_t request_len = strlen(request);
    struct rlimit rl = {(rlim_t)n + 64, (rlim_t)n + 64};
    setrlimit(RLIMIT_NOFILE, &rl);

    size_t flen;
    char *frame = make_frame(size, payload, payload != NULL, &flen);
    int ep = epoll_create1(0);
    struct conn *cs = calloc((size_t)n, sizeof *cs);
    if (!cs) abort();
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int opened = 0;
    for (int i = 0; i < n; i++) {
        struct conn *c = &cs[i];
        c->fd = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
            perror("connect");
            return 1;
        }
        if (send(c->fd, request, request_len, MSG_NOSIGNAL) != (ssize_t)request_len) {
            perror("send request");
            return 1;
        }
        /* Blocking read of the 101 head: simple, and handshakes are not what is measured. */
        char head[1024];
        size_t got = 0;
        while (got < 4 || memcmp(head + got - 4, "\r\n\r\n", 4) != 0) {
            ssize_t k = recv(c->fd, head + got, 1, 0);
            if (k <= 0 || got + 1 >= sizeof head) {
                fprintf(stderr, "handshake %d failed\n", i);
                return 1;
            }
            got += (size_t)k;
        }
        if (strncmp(head, "HTTP/1.1 101", 12) != 0 || (deflate && !strstr(head, "permessage-deflate"))) {
            fprintf(stderr, "handshake %d: %.*s\n", i, (int)got, head);
            return 1;
        }
        c->open = 1;
        opened++;
        fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
        c->in_cap = flen + 64;
        c->in = malloc(c->in_cap);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    }
    if (idle) {
        printf("idle conns=%d\n", opened);
        fflush(stdout);
        struct timespec ts = {(time_t)secs, 0};
        nanosleep(&ts, NULL);
        return 0;
    }

    size_t lat_cap = 1 << 20, lat_n = 0;
    long long *lat = malloc(lat_cap * sizeof *lat);
    long long start = now_ns(), end = start + (long long)(secs * 1e9);
    long long msgs = 0;
    for (int i = 0; i < n; i++) {
        struct conn *c = &cs[i];
        c->out = frame;
        c->out_len = flen;
        c->out_off = 0;
        c->sent_at = now_ns();
        flush_out(c);
    }
    struct epoll_event evs[256];
    while (now_ns() < end) {
        int k = epoll_wait(ep, evs, 256, 100);
        for (int e = 0; e < k; e++) {
            struct conn *c = &cs[evs[e].data.u32];
            if (evs[e].events & EPOLLOUT) flush_out(c);
            if (!(evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
            for (;;) {
                if (c->in_len == c->in_cap) {
                    c->in_cap *= 2;
                    c->in = realloc(c->in, c->in_cap);
                }
                ssize_t r = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
                if (r < 0 && errno == EAGAIN) break;
                if (r <= 0) {
                    fprintf(stderr, "connection closed by the server\n");
                    return 1;
                }
                c->in_len += (size_t)r;
                size_t fl;
                while ((fl = frame_len((unsigned char *)c->in, c->in_len)) && c->in_len >= fl) {
                    memmove(c->in, c->in + fl, c->in_len - fl);
                    c->in_len -= fl;
                    long long t = now_ns();
                    if (lat_n < lat_cap) lat[lat_n++] = t - c->sent_at;
                    msgs++;
                    c->sent_at = t;
                    c->out_off = 0;
                    flush_out(c);
                }
            }
        }
    }
    double took = (now_ns() - start) / 1e9;
    qsort(lat, lat_n, sizeof *lat, cmp_ll);
    printf("conns=%d size=%zu secs=%.2f msgs=%lld rate=%.0f p50_us=%lld p99_us=%lld\n", n, size, took, msgs,
           msgs / took, lat_n ? lat[lat_n / 2] / 1000 : 0, lat_n ? lat[lat_n * 99 / 100] / 1000 : 0);
    return 0;
}
