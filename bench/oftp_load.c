/*
 * oftp_load.c — the load side of bench/oftp_bench.sh: one file of SIZE
 * pseudo-random octets, over TCP or TLS (OpenSSL), either as an ODETTE FTP
 * 2.0 Initiator or as raw bytes, plus the raw reference receiver.
 *
 *   oftp_load oftp --port P --size N [--tls] [--buffer 65536] [--credit 999]
 *                  [--file PATH [--secured SEC,CIPH,COMP]]
 *       SSRM, SSID (no compression, no restart), SFID of a U file, DATA
 *       buffers of 63-octet subrecords within the credit window, EFID; the
 *       clock runs from SFID to the server's EFPA (the file is in place),
 *       then CD, EERP/RTR and ESID. --file sends that file's octets instead
 *       (--size is its size); --secured marks it a CMS envelope with these
 *       SFIDSEC, SFIDCIPH and SFIDCOMP (SFIDENV 1), which the server decodes
 *       before its EFPA (bench/cms_bench.sh).
 *   oftp_load raw --port P --size N [--tls]
 *       the same octets as a plain stream; the clock runs from the first
 *       octet to the receiver's close (after its fsync).
 *   oftp_load sink --port P --out FILE [--tls CERT_AND_KEY_PEM]
 *       accepts one connection, writes what comes to FILE, fsyncs it and
 *       its directory (so the file survives a crash under its name, the
 *       guarantee OFTPServer gives at EFPA), closes; prints "listening on
 *       N" first.
 *
 * Prints "RESULT bytes=N seconds=S mbps=M". A benchmark tool: it measures and
 * prints, never a test.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
    fprintf(stderr, "oftp_load: %s: %s\n", what, strerror(errno));
    ERR_print_errors_fp(stderr);
    exit(1);
}

struct conn {
    int fd;
    SSL *ssl;
    unsigned char in[1 << 17];
    size_t have;
};

static void put(struct conn *c, const void *buf, size_t n) {
    const char *p = buf;
    while (n > 0) {
        ssize_t k = c->ssl ? SSL_write(c->ssl, p, (int)n) : write(c->fd, p, n);
        if (k <= 0) die("write");
        p += k;
        n -= (size_t)k;
    }
}

static size_t get_some(struct conn *c, void *buf, size_t cap) {
    ssize_t k = c->ssl ? SSL_read(c->ssl, buf, (int)cap) : read(c->fd, buf, cap);
    return k > 0 ? (size_t)k : 0;
}

/* One Exchange Buffer from the server into buf (STH removed); its length. */
static size_t recv_oeb(struct conn *c, unsigned char *buf, size_t cap) {
    for (;;) {
        if (c->have >= 4) {
            size_t n = ((size_t)c->in[1] << 16 | (size_t)c->in[2] << 8 | c->in[3]);
            if (n < 5 || n - 4 > cap) die("bad STH from the server");
            if (c->have >= n) {
                memcpy(buf, c->in + 4, n - 4);
                memmove(c->in, c->in + n, c->have - n);
                c->have -= n;
                return n - 4;
            }
        }
        size_t k = get_some(c, c->in + c->have, sizeof c->in - c->have);
        if (k == 0) die("the server closed");
        c->have += k;
    }
}

static void send_oeb(struct conn *c, const void *oeb, size_t n) {
    unsigned char sth[4] = {0x10, (unsigned char)((n + 4) >> 16), (unsigned char)((n + 4) >> 8), (unsigned char)(n + 4)};
    put(c, sth, 4);
    put(c, oeb, n);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static SSL_CTX *client_ctx(void) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) die("SSL_CTX_new");
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    return ctx;
}

static struct conn *dial(int port, int tls) {
    struct conn *c = calloc(1, sizeof *c);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0) die("connect");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (tls) {
        c->ssl = SSL_new(client_ctx());
        SSL_set_fd(c->ssl, c->fd);
        if (SSL_connect(c->ssl) != 1) die("SSL_connect");
    }
    return c;
}

/* The file's octets: a cheap pseudo-random stream (xorshift), so neither TLS
 * nor anything else can shortcut it. */
static void fill(unsigned char *p, size_t n, uint64_t *state) {
    for (size_t i = 0; i < n; i++) {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        p[i] = (unsigned char)*state;
    }
}

static int run_oftp(int port, int tls, long long size, int bufsize, int credit, FILE *file, const char *secured) {
    struct conn *c = dial(port, tls);
    static unsigned char buf[1 << 17];
    recv_oeb(c, buf, sizeof buf); /* SSRM */
    char ssid[64];
    snprintf(ssid, sizeof ssid, "X5%-25s%-8s%05dBNNN%03dN%-4s%-8s\r", "O0013BENCH", "BENCHPW", bufsize, credit, "", "");
    send_oeb(c, ssid, 61);
    size_t n = recv_oeb(c, buf, sizeof buf);
    if (n != 61 || buf[0] != 'X') die("no SSID from the server");
    char sdeb[6] = {0};
    memcpy(sdeb, buf + 35, 5);
    bufsize = atoi(sdeb);
    char cred[4] = {0};
    memcpy(cred, buf + 44, 3);
    credit = atoi(cred);
    char sfid[200];
    long long blocks = (size + 1023) / 1024;
    int sec = 0, ciph = 0, comp = 0;
    if (secured && sscanf(secured, "%d,%d,%d", &sec, &ciph, &comp) != 3) die("--secured SEC,CIPH,COMP");
    snprintf(sfid, sizeof sfid, "H%-26s%-3s%s%s%-8s%-25s%-25sU%05d%013lld%013lld%017d%02d%02d%d%dN%03d", "BENCHFILE", "",
             "20261207", "1200000001", "", "O0013SERVER", "O0013BENCH", 0, blocks, blocks, 0, sec, ciph, comp,
             secured ? 1 : 0, 0);
    double t0 = now();
    send_oeb(c, sfid, strlen(sfid));
    n = recv_oeb(c, buf, sizeof buf);
    if (buf[0] != '2') die("no SFPA");
    double t_sfpa = now();
    static unsigned char data[1 << 17];
    uint64_t state = 0x9E3779B97F4A7C15ull;
    long long left = size;
    int window = credit;
    while (left > 0) {
        if (window == 0) {
            n = recv_oeb(c, buf, sizeof buf);
            if (buf[0] != 'C') die("expected CDT");
            window = credit;
        }
        size_t len = 1;
        data[0] = 'D';
        while (left > 0 && len + 2 <= (size_t)bufsize) {
            size_t k = (size_t)(left < 63 ? left : 63);
            if (len + 1 + k > (size_t)bufsize) k = (size_t)bufsize - len - 1;
            data[len] = (unsigned char)k;
            if (file) {
                if (fread(data + len + 1, 1, k, file) != k) die("--file: short read");
            } else {
                fill(data + len + 1, k, &state);
            }
            left -= (long long)k;
            if (left == 0) data[len] |= 0x80; /* end of the record (the file) */
            len += 1 + k;
        }
        send_oeb(c, data, len);
        window--;
    }
    char efid[64];
    snprintf(efid, sizeof efid, "T%017d%017lld", 0, size);
    send_oeb(c, efid, 35);
    double t_efid = now();
    for (;;) {
        n = recv_oeb(c, buf, sizeof buf);
        if (buf[0] == 'C') continue; /* a late CDT */
        if (buf[0] != '4') die("no EFPA");
        break;
    }
    double t1 = now();
    send_oeb(c, "R", 1);
    n = recv_oeb(c, buf, sizeof buf);
    if (buf[0] == 'E') {
        send_oeb(c, "P", 1);
        n = recv_oeb(c, buf, sizeof buf);
    }
    if (buf[0] == 'R') send_oeb(c, "F00000\r", 7);
    (void)n;
    printf("RESULT bytes=%lld seconds=%.6f mbps=%.1f sfpa_ms=%.3f data_ms=%.3f efpa_ms=%.3f\n", size, t1 - t0,
           size / (t1 - t0) / 1e6, (t_sfpa - t0) * 1e3, (t_efid - t_sfpa) * 1e3, (t1 - t_efid) * 1e3);
    return 0;
}

static int run_raw(int port, int tls, long long size) {
    struct conn *c = dial(port, tls);
    static unsigned char data[1 << 16];
    uint64_t state = 0x9E3779B97F4A7C15ull;
    double t0 = now();
    long long left = size;
    while (left > 0) {
        size_t k = (size_t)(left < (long long)sizeof data ? left : (long long)sizeof data);
        fill(data, k, &state);
        put(c, data, k);
        left -= (long long)k;
    }
    if (c->ssl) SSL_shutdown(c->ssl);
    shutdown(c->fd, SHUT_WR);
    unsigned char tmp[256];
    while (get_some(c, tmp, sizeof tmp) > 0) {
    }
    double t1 = now();
    printf("RESULT bytes=%lld seconds=%.6f mbps=%.1f\n", size, t1 - t0, size / (t1 - t0) / 1e6);
    return 0;
}

static _Noreturn void run_sink(int port, const char *out, const char *cert) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", out);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    else snprintf(dir, sizeof dir, ".");
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 4) != 0) die("listen");
    socklen_t al = sizeof a;
    getsockname(ls, (struct sockaddr *)&a, &al);
    printf("listening on %d\n", ntohs(a.sin_port));
    fflush(stdout);
    SSL_CTX *ctx = NULL;
    if (cert) {
        ctx = SSL_CTX_new(TLS_server_method());
        if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx, cert, SSL_FILETYPE_PEM) != 1)
            die("certificate");
    }
    for (;;) {
        struct conn c = {0};
        c.fd = accept(ls, NULL, NULL);
        if (c.fd < 0) die("accept");
        if (ctx) {
            c.ssl = SSL_new(ctx);
            SSL_set_fd(c.ssl, c.fd);
            if (SSL_accept(c.ssl) != 1) die("SSL_accept");
        }
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) die("open");
        static unsigned char buf[1 << 16];
        size_t k;
        while ((k = get_some(&c, buf, sizeof buf)) > 0)
            if (write(fd, buf, k) != (ssize_t)k) die("write");
        fsync(fd);
        close(fd);
        /* The name durable too, as OFTP's rename is: the directory synced. */
        int dfd = open(dir, O_RDONLY | O_DIRECTORY);
        if (dfd < 0 || fsync(dfd) != 0) die("fsync the directory");
        close(dfd);
        if (c.ssl) {
            SSL_shutdown(c.ssl);
            SSL_free(c.ssl);
        }
        close(c.fd);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: oftp_load oftp|raw|sink --port P [--size N] [--tls [CERT]] [--out FILE] "
                        "[--buffer N] [--credit N]\n");
        return 2;
    }
    int port = 0, tls = 0, bufsize = 65536, credit = 999;
    long long size = 0;
    const char *out = NULL, *cert = NULL, *secured = NULL;
    FILE *file = NULL;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--port") && i + 1 < argc) port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--size") && i + 1 < argc) size = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--buffer") && i + 1 < argc) bufsize = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--credit") && i + 1 < argc) credit = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--secured") && i + 1 < argc) secured = argv[++i];
        else if (!strcmp(argv[i], "--file") && i + 1 < argc) {
            file = fopen(argv[++i], "rb");
            if (!file || fseek(file, 0, SEEK_END) != 0) die("--file");
            size = ftell(file);
            rewind(file);
        }
        else if (!strcmp(argv[i], "--tls")) {
            tls = 1;
            if (i + 1 < argc && argv[i + 1][0] != '-') cert = argv[++i];
        } else {
            fprintf(stderr, "oftp_load: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (!strcmp(argv[1], "oftp")) return run_oftp(port, tls, size, bufsize, credit, file, secured);
    if (!strcmp(argv[1], "raw")) return run_raw(port, tls, size);
    if (!strcmp(argv[1], "sink") && out) run_sink(port, out, cert);
    fprintf(stderr, "oftp_load: bad mode or missing --out\n");
    return 2;
}
