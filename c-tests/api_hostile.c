/*
 * api_hostile.c — clients that misbehave (docs/API.md §4: bad input from the
 * network never crashes the process and never loses accepted data; §8):
 *
 *  - 8 MiB without any EOL: DataIn in pieces of exactly the maximum line
 *    length with EOL False, nothing lost, server memory (VmRSS) bounded;
 *  - random bytes cut at random places, against a model of the framing rules
 *    (EOL with a self-overlapping two-byte EOL, CRLF, SingleLineMode): the
 *    DataIn events never depend on how the bytes were split;
 *  - a connect/disconnect storm (2000 connections; fewer under valgrind):
 *    every Connected has exactly one Disconnected, ConnectionCount back to 0;
 *    also with resets;
 *  - clients resetting while the server sends (asynchronous and blocking);
 *  - a callback that closes the handle in the middle of a burst;
 *  - accept() failing with EMFILE: Error event on the listener (id 0), and the
 *    server recovers.
 */
#include "test_tcp.h"

#define DATAIN PIER_TCPSERVER_EVENT_DATAIN

/* --------------------------------------------------------- 8 MiB, no EOL */

static struct {
    int bad_len, bad_eol, events;
    long long bytes;
    long rss0, rss_max;
} fl;

static void flood_hook(tt_rec *r, pier_tcpserver *h, int id, void *params) {
    (void)r;
    (void)h;
    if (id != DATAIN) return;
    pier_tcpserver_datain_params *p = (pier_tcpserver_datain_params *)params;
    if (p->text_len != 2048) fl.bad_len++;
    if (p->eol) fl.bad_eol++;
    fl.bytes += p->text_len;
    if (++fl.events % 256 == 0) {
        long rss = tt_rss_kib();
        if (rss > fl.rss_max) fl.rss_max = rss;
    }
}

typedef struct {
    int fd;
    long long total;
    int rst_at_end;
    pthread_t th;
} writer;

static void *writer_main(void *arg) {
    writer *w = (writer *)arg;
    char buf[65536];
    memset(buf, 'x', sizeof buf);
    long long left = w->total;
    while (left > 0) {
        size_t n = left > (long long)sizeof buf ? sizeof buf : (size_t)left;
        ssize_t k = send(w->fd, buf, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        left -= k;
    }
    if (w->rst_at_end) tt_close_rst(w->fd);
    else close(w->fd);
    return NULL;
}

static void test_flood_without_eol(void) {
    tt_rec r;
    tt_rec_init(&r);
    r.keep_events = 0;
    r.hook = flood_hook;
    memset(&fl, 0, sizeof fl);
    pier_tcpserver *h = pier_tcpserver_open();
    tt_rec_attach(h, &r);
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, "\n", -1));
    int port = tu_listen(h);
    int fd = tu_connect(port);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_CONNECTED] == 1);
    pump(h, 20);
    const long long total = tt_valgrind() ? 2ll << 20 : 8ll << 20;
    fl.rss0 = fl.rss_max = tt_rss_kib();
    writer w = {fd, total, 0, 0};
    pthread_create(&w.th, NULL, writer_main, &w);
    PUMP_UNTIL(h, 30000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == 1);
    pthread_join(w.th, NULL);
    long rss1 = tt_rss_kib();
    if (rss1 > fl.rss_max) fl.rss_max = rss1;
    EXPECT_INT(fl.bytes, total);
    EXPECT_INT(fl.events, total / 2048);
    EXPECT_INT(fl.bad_len, 0);
    EXPECT_INT(fl.bad_eol, 0);
    if (!tt_valgrind() && fl.rss_max - fl.rss0 > 16 * 1024)
        TT_SOFT_FAIL("8 MiB without EOL grew the server's RSS by %ld KiB (limit 16 MiB)", fl.rss_max - fl.rss0);
    fprintf(stderr, "  RSS growth during the flood: %ld KiB\n", fl.rss_max - fl.rss0);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

/* ------------------------------------------- framing against a model */

typedef struct {
    int len, eol;
    char *data;
} piece;

typedef struct {
    piece *p;
    int n, cap;
} pieces;

static void add_piece(pieces *ps, const char *data, int len, int eol) {
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 256;
        ps->p = (piece *)realloc(ps->p, (size_t)ps->cap * sizeof *ps->p);
    }
    ps->p[ps->n].len = len;
    ps->p[ps->n].eol = eol;
    ps->p[ps->n].data = (char *)malloc((size_t)len + 1);
    memcpy(ps->p[ps->n].data, data, (size_t)len);
    ps->n++;
}

/* A line of length L ended by a line end: pieces of max with EOL False, then
 * the rest with EOL True (empty when L is a positive multiple of max). */
static void model_line(pieces *ps, const char *s, int L, int max) {
    int off = 0;
    while (L - off >= max) {
        add_piece(ps, s + off, max, 0);
        off += max;
    }
    add_piece(ps, s + off, L - off, 1);
}

/* What remains at close: pieces of max, then the rest, all EOL False. */
static void model_tail(pieces *ps, const char *s, int L, int max) {
    int off = 0;
    while (L - off >= max) {
        add_piece(ps, s + off, max, 0);
        off += max;
    }
    if (L - off > 0) add_piece(ps, s + off, L - off, 0);
}

/* single_line: CR, LF, CRLF; else the EOL bytes. */
static pieces model(const char *s, int n, const char *eol, int eol_len, int single_line, int max) {
    pieces ps = {0, 0, 0};
    int start = 0, i = 0;
    while (i < n) {
        if (single_line) {
            if (s[i] == '\r' || s[i] == '\n') {
                model_line(&ps, s + start, i - start, max);
                i += (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
                start = i;
                continue;
            }
        } else if (i + eol_len <= n && memcmp(s + i, eol, (size_t)eol_len) == 0) {
            model_line(&ps, s + start, i - start, max);
            i += eol_len;
            start = i;
            continue;
        }
        i++;
    }
    model_tail(&ps, s + start, n - start, max);
    return ps;
}

static uint64_t rng_state;
static uint32_t rnd(void) {
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

/* Lines whose lengths sit around multiples of max (where the cuts are), made
 * of `filler`, each ended by one of the `ends` (NULL-terminated list). */
static char *gen_structured(int size, int max, const char *filler, const char *const *ends) {
    char *s = (char *)malloc((size_t)size + 4096);
    int n = 0, nends = 0, flen = (int)strlen(filler);
    while (ends[nends]) nends++;
    while (n < size) {
        static const int near[] = {-2, -1, 0, 1, 2};
        int L;
        switch (rnd() % 4) {
        case 0: L = max + near[rnd() % 5]; break;
        case 1: L = 2 * max + near[rnd() % 5]; break;
        case 2: L = (int)(rnd() % 8); break;
        default: L = (int)(rnd() % (uint32_t)(3 * max)); break;
        }
        for (int i = 0; i < L && n < size + 2048; i++) s[n++] = filler[rnd() % (uint32_t)flen];
        const char *e = ends[rnd() % (uint32_t)nends];
        for (; *e && n < size + 4000; e++) s[n++] = *e;
    }
    return s;
}

static void fuzz_framing(const char *name, const char *alphabet, const char *eol, int single_line, int max, int size,
                         uint64_t seed) {
    fprintf(stderr, "  framing fuzz: %s\n", name);
    rng_state = seed;
    char *s;
    if (alphabet[0] == '#') {
        /* "#filler|end1|end2..." : structured lines */
        char spec[256];
        snprintf(spec, sizeof spec, "%s", alphabet + 1);
        const char *ends[8];
        int ne = 0;
        char *tok = strchr(spec, '|');
        *tok = 0;
        char *rest = tok + 1;
        while (rest && ne < 7) {
            ends[ne++] = rest;
            rest = strchr(rest, '|');
            if (rest) *rest++ = 0;
        }
        ends[ne] = NULL;
        s = gen_structured(size, max, spec, ends);
    } else {
        s = (char *)malloc((size_t)size);
        int alen = (int)strlen(alphabet);
        for (int i = 0; i < size; i++) s[i] = alphabet[rnd() % (uint32_t)alen];
    }
    int eol_len = eol ? (int)strlen(eol) : 0;
    pieces want = model(s, size, eol, eol_len, single_line, max);

    tt_rec r;
    tt_rec_init(&r);
    pier_tcpserver *h = pier_tcpserver_open();
    tt_rec_attach(h, &r);
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH, 0, max));
    if (single_line) CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTSINGLELINEMODE, 0, 1));
    else CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, eol, eol_len));
    int port = tu_listen(h);
    int cid;
    int fd = tt_accept_one(h, &r, port, &cid);
    /* Random cuts, the server reading in between. */
    int off = 0;
    while (off < size) {
        int k = 1 + (int)(rnd() % 700);
        if (rnd() % 4 == 0) k = 1 + (int)(rnd() % 3);
        if (k > size - off) k = size - off;
        tu_send_all(fd, s + off, (size_t)k);
        off += k;
        CHECK_OK(h, pier_tcpserver_do_doevents(h));
    }
    shutdown(fd, SHUT_WR);
    PUMP_UNTIL(h, 10000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == 1);
    /* The DataIn events, in one pass (tt_nth is linear). */
    tt_event **ev = (tt_event **)malloc(sizeof(tt_event *) * (size_t)(r.n + 1));
    int got = 0;
    for (int i = 0; i < r.n; i++)
        if (r.ev[i].type == DATAIN && r.ev[i].cid == cid) ev[got++] = &r.ev[i];
    int ok = got == want.n;
    int first_diff = -1;
    for (int i = 0; i < want.n && i < got; i++) {
        tt_event *e = ev[i];
        if (e->len != want.p[i].len || e->eol != want.p[i].eol || memcmp(e->data, want.p[i].data, (size_t)e->len)) {
            first_diff = i;
            ok = 0;
            break;
        }
    }
    if (!ok) {
        TT_SOFT_FAIL("framing fuzz %s: %d DataIn events, model %d; first difference at #%d", name, got, want.n,
                     first_diff);
        if (first_diff >= 0)
            fprintf(stderr, "   got len %d eol %d, model len %d eol %d\n", ev[first_diff]->len, ev[first_diff]->eol,
                    want.p[first_diff].len, want.p[first_diff].eol);
    }
    fprintf(stderr, "   %d DataIn events, %d as the model says\n", got, ok ? want.n : first_diff);
    free(ev);
    for (int i = 0; i < want.n; i++) free(want.p[i].data);
    free(want.p);
    free(s);
    close(fd);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

static void test_framing_fuzz(void) {
    int size = tt_valgrind() ? 30000 : 150000;
    /* PIER_FUZZ_SEED=n changes the seeds (for longer local runs). */
    uint64_t salt = getenv("PIER_FUZZ_SEED") ? (uint64_t)atoll(getenv("PIER_FUZZ_SEED")) * 0x9E3779B97F4A7C15ull : 0;
    /* Mostly long lines (cuts), a self-overlapping EOL "aab". */
    fuzz_framing("EOL aab", "ccccccccccccccccccccccccccccccccccccccccaab", "aab", 0, 256, size, 0x1234567ull ^ salt);
    fuzz_framing("EOL aab, short lines", "caab", "aab", 0, 256, size, 0x7654321ull ^ salt);
    fuzz_framing("EOL CRLF", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n\n\r",
                 "\r\n", 0, 256, size, 0xdeadbeefull ^ salt);
    fuzz_framing("EOL with NUL", "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\x01", "\x01", 0, 300, size, 0x42ull ^ salt);
    fuzz_framing("SingleLineMode", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\r\n", NULL, 1,
                 256, size, 0xfeedull ^ salt);
    fuzz_framing("SingleLineMode, short lines", "ab\r\n\r\r\n", NULL, 1, 256, size, 0xbeefull ^ salt);
    /* Line lengths around the cuts, line ends (and their prefixes) at every place. */
    fuzz_framing("cuts, EOL CRLF", "#xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n|\r\n|\r\n|\r", "\r\n", 0, 256, size, 11 ^ salt);
    fuzz_framing("cuts, EOL aab", "#ccccccccccccccccca|aab|aab|aa|a", "aab", 0, 256, size, 12 ^ salt);
    fuzz_framing("cuts, EOL of 4 bytes", "#dddddddddddddd<<|<<->|<<->|<<-|<", "<<->", 0, 300, size, 13 ^ salt);
    fuzz_framing("cuts, SingleLineMode", "#yyyyyyyyyyyyyyyyyyyyyyyyyyyy|\r|\n|\r\n|\r\n", NULL, 1, 256, size, 14 ^ salt);
}

/* ---------------------------------------------------------------- storm */

static void check_pairs(tt_rec *r, const char *what, int want_n, int want_status_zero) {
    int nc = tt_count(r, PIER_TCPSERVER_EVENT_CONNECTED, 0);
    int nd = tt_count(r, PIER_TCPSERVER_EVENT_DISCONNECTED, 0);
    if (nc != want_n || nd != want_n)
        TT_SOFT_FAIL("%s: %d Connected and %d Disconnected for %d clients", what, nc, nd, want_n);
    /* Every Connected id has exactly one Disconnected, after it; ids unique. */
    int max_id = 0;
    for (int i = 0; i < r->n; i++)
        if (r->ev[i].cid > max_id) max_id = r->ev[i].cid;
    int *state = (int *)calloc((size_t)max_id + 1, sizeof(int)); /* 0 none, 1 connected, 2 disconnected */
    int bad = 0, nonzero = 0;
    for (int i = 0; i < r->n; i++) {
        tt_event *e = &r->ev[i];
        if (e->type == PIER_TCPSERVER_EVENT_CONNECTED) {
            if (state[e->cid] != 0) bad++;
            state[e->cid] = 1;
        } else if (e->type == PIER_TCPSERVER_EVENT_DISCONNECTED) {
            if (state[e->cid] != 1) bad++;
            state[e->cid] = 2;
            if (e->code != 0) nonzero++;
        } else if (e->type == DATAIN || e->type == PIER_TCPSERVER_EVENT_READYTOSEND) {
            if (state[e->cid] != 1) bad++;
        }
    }
    for (int id = 0; id <= max_id; id++)
        if (state[id] == 1) bad++;
    free(state);
    if (bad) TT_SOFT_FAIL("%s: %d events out of order (Connected/Disconnected pairing, events after Disconnected)", what, bad);
    if (want_status_zero && nonzero) TT_SOFT_FAIL("%s: %d Disconnected with a non-zero status", what, nonzero);
}

static void test_storm(void) {
    tt_rec r;
    tt_rec_init(&r);
    int port;
    pier_tcpserver *h = tt_server(&r, &port);
    const int total = tt_valgrind() ? 200 : 2000, batch = 100;
    int fds[100];
    for (int done = 0; done < total; done += batch) {
        for (int i = 0; i < batch; i++) fds[i] = tu_connect(port);
        if ((done / batch) % 2) pump(h, 5); /* sometimes accepted before the close, sometimes after */
        for (int i = 0; i < batch; i++) close(fds[i]);
        PUMP_UNTIL(h, 10000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == done + batch);
    }
    pump(h, 50);
    check_pairs(&r, "storm", total, 1);
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0, 0);
    const char *st = C(h, "Stats");
    EXPECT_INT(tt_stat(st, "accepted"), total);
    EXPECT_INT(tt_stat(st, "open"), 0);
    EXPECT_INT(r.count[PIER_TCPSERVER_EVENT_ERROR], 0);

    /* The same with resets: Error + Disconnected (10054) for each, still paired. */
    tt_rec_clear(&r);
    const int rst_n = tt_valgrind() ? 50 : 300;
    for (int done = 0; done < rst_n; done += batch) {
        int nb = rst_n - done < batch ? rst_n - done : batch;
        for (int i = 0; i < nb; i++) fds[i] = tu_connect(port);
        PUMP_UNTIL(h, 10000, r.count[PIER_TCPSERVER_EVENT_CONNECTED] == done + nb);
        for (int i = 0; i < nb; i++) tt_close_rst(fds[i]);
        PUMP_UNTIL(h, 10000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == done + nb);
    }
    pump(h, 50);
    check_pairs(&r, "reset storm", rst_n, 0);
    EXPECT_INT(r.count[PIER_TCPSERVER_EVENT_ERROR], rst_n);
    for (int i = 0; i < r.n; i++)
        if (r.ev[i].type == PIER_TCPSERVER_EVENT_DISCONNECTED && r.ev[i].code != PIER_ERR_CONNECTION_RESET) {
            TT_SOFT_FAIL("reset storm: Disconnected with %d", r.ev[i].code);
            break;
        }
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0, 0);

    /* Clients that send a line and close at once (often before they are even
     * accepted): the line always arrives, before Disconnected. */
    tt_rec_clear(&r);
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, "\n", -1));
    const int data_n = tt_valgrind() ? 100 : 500;
    for (int done = 0; done < data_n; done += batch) {
        for (int i = 0; i < batch; i++) {
            fds[i] = tu_connect(port);
            char line[32];
            snprintf(line, sizeof line, "hello %d\n", done + i);
            tu_send_str(fds[i], line);
            if (i % 2) tu_send_str(fds[i], "tail without eol");
            close(fds[i]);
        }
        PUMP_UNTIL(h, 10000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == done + batch);
    }
    pump(h, 50);
    check_pairs(&r, "send and close", data_n, 1);
    int lost = 0, tails = 0;
    for (int i = 0; i < r.n; i++) {
        if (r.ev[i].type != PIER_TCPSERVER_EVENT_CONNECTED) continue;
        int c = r.ev[i].cid;
        tt_event *l = NULL, *t = NULL;
        for (int j = i + 1; j < r.n; j++) {
            if (r.ev[j].cid != c) continue;
            if (r.ev[j].type == DATAIN && r.ev[j].eol && !l) l = &r.ev[j];
            else if (r.ev[j].type == DATAIN && !r.ev[j].eol) t = &r.ev[j];
            if (r.ev[j].type == PIER_TCPSERVER_EVENT_DISCONNECTED) break;
        }
        if (!l || strncmp(l->data, "hello ", 6) != 0) lost++;
        if (t) {
            tails++;
            if (strcmp(t->data, "tail without eol") != 0) lost++;
        }
    }
    if (lost) TT_SOFT_FAIL("send and close: %d of %d clients lost data", lost, data_n);
    EXPECT_INT(tails, data_n / 2);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

/* ----------------------------------------------- resets while sending */

static unsigned char *blob;
enum { BLOB = 256 * 1024 };

static void reply_hook(tt_rec *r, pier_tcpserver *h, int id, void *params) {
    (void)r;
    if (id != DATAIN) return;
    pier_tcpserver_datain_params *p = (pier_tcpserver_datain_params *)params;
    /* Reply with a lot; failures (10035, resets) are fine, crashes are not. */
    for (int i = 0; i < 4; i++)
        if (pier_tcpserver_do_send(h, p->connection_id, blob, BLOB) != 0) break;
}

typedef struct {
    int fd;
    long long read_before_reset;
    pthread_t th;
} resetter;

static void *resetter_main(void *arg) {
    resetter *rs = (resetter *)arg;
    char buf[16384];
    long long got = 0;
    while (got < rs->read_before_reset) {
        ssize_t k = recv(rs->fd, buf, sizeof buf, 0);
        if (k <= 0) break;
        got += k;
    }
    tt_close_rst(rs->fd);
    return NULL;
}

static void test_resets_while_sending(void) {
    blob = (unsigned char *)malloc(BLOB);
    memset(blob, 'r', BLOB);
    tt_rec r;
    tt_rec_init(&r);
    r.hook = reply_hook;
    r.store = 0;
    int port;
    pier_tcpserver *h = tt_server(&r, &port);
    enum { N = 30 };
    int fds[N];
    for (int i = 0; i < N; i++) fds[i] = tu_connect(port);
    PUMP_UNTIL(h, 5000, r.count[PIER_TCPSERVER_EVENT_CONNECTED] == N);
    for (int i = 0; i < N; i++) {
        tu_send_str(fds[i], "give me data\n");
        if (i % 3 == 0) tt_close_rst(fds[i]); /* before the reply */
    }
    pump(h, 30);
    for (int i = 0; i < N; i++)
        if (i % 3 != 0) {
            char buf[1000];
            (void)!recv(fds[i], buf, sizeof buf, MSG_DONTWAIT);
            tu_send_str(fds[i], "more\n");
            tt_close_rst(fds[i]);
        }
    PUMP_UNTIL(h, 10000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == N);
    pump(h, 50);
    check_pairs(&r, "resets while sending", N, 0);
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0, 0);

    /* A blocking send whose client resets midway fails (not 0, not a timeout)
     * soon, and Disconnected fires once. */
    CHECK_OK(h, pier_tcpserver_do_stoplistening(h));
    CHECK_CFG(h, "OutBufferSize=16384");
    CHECK_OK(h, pier_tcpserver_do_startlistening(h));
    int fd = tt_connect_small_rcvbuf(port, 16384);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_CONNECTED] == N + 1);
    int cid = r.last_cid;
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_TIMEOUT, cid, 20));
    resetter rs = {fd, 100000, 0};
    pthread_create(&rs.th, NULL, resetter_main, &rs);
    const int big = 16 << 20;
    unsigned char *data = (unsigned char *)calloc(1, (size_t)big);
    long long t0 = tu_now_ms();
    int rc = pier_tcpserver_do_send(h, cid, data, big);
    long long dt = tu_now_ms() - t0;
    pthread_join(rs.th, NULL);
    free(data);
    if (rc == 0 || rc == PIER_ERR_TIMED_OUT)
        TT_SOFT_FAIL("a blocking send to a client that reset returned %d after %lld ms", rc, dt);
    EXPECT(dt < tu_ms(10000));
    PUMP_UNTIL(h, 3000, tt_count(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, cid) == 1);
    pump(h, 50);
    EXPECT_INT(tt_count(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, cid), 1);
    EXPECT(tt_nth(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, cid, 0)->code != 0);
    CHECK_INT(pier_tcpserver_close(h), 0);
    free(blob);
    tt_rec_clear(&r);
}

/* ------------------------------------------- close in the middle of a burst */

static struct {
    int datain;
    int after;
    int closed;
    int close_at;
} bu;

static int burst_cb(void *handle, int event_id, void *params, void *user_data) {
    (void)params;
    (void)user_data;
    if (bu.closed) {
        bu.after++;
        return 0;
    }
    if (event_id != DATAIN) return 0;
    if (++bu.datain == bu.close_at) {
        if (pier_tcpserver_close((pier_tcpserver *)handle) == 0) bu.closed = 1;
    }
    return 0;
}

static void test_close_in_burst(void) {
    memset(&bu, 0, sizeof bu);
    bu.close_at = 50;
    pier_tcpserver *h = pier_tcpserver_open();
    for (int e = PIER_TCPSERVER_EVENT_CONNECTED; e <= PIER_TCPSERVER_EVENT_READYTOSEND; e++)
        CHECK_OK(h, pier_tcpserver_register_callback(h, e, burst_cb, NULL));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, "\n", -1));
    int port = tu_listen(h);
    enum { N = 20 };
    int fds[N];
    for (int i = 0; i < N; i++) fds[i] = tu_connect(port);
    pump(h, 100);
    char lines[20 * 8 + 1];
    for (int k = 0; k < 20; k++) memcpy(lines + k * 8, "line 01\n", 8);
    for (int i = 0; i < N; i++) tu_send_all(fds[i], lines, 20 * 8);
    long long deadline = tu_now_ms() + tu_ms(5000);
    int rc = 0;
    while (!bu.closed && tu_now_ms() < deadline) {
        rc = pier_tcpserver_do_doevents(h);
        if (rc != 0) break;
    }
    CHECK(bu.closed);
    EXPECT_INT(bu.datain, 50);
    EXPECT_INT(bu.after, 0);
    EXPECT_ERR(pier_tcpserver_do_doevents(h), PIER_ERR_INVALID_HANDLE);
    EXPECT_ERR(pier_tcpserver_close(h), PIER_ERR_INVALID_HANDLE);
    for (int i = 0; i < N; i++) {
        EXPECT(tt_wait_end(fds[i], 2000) != TT_END_NONE);
        close(fds[i]);
    }
}

/* ---------------------------------------------------- accept() with EMFILE */

static void test_emfile(void) {
    if (tt_valgrind()) return; /* valgrind manages the descriptor limit itself */
    tt_rec r;
    tt_rec_init(&r);
    int port;
    pier_tcpserver *h = tt_server(&r, &port);
    pump(h, 20);
    struct rlimit old;
    CHECK(getrlimit(RLIMIT_NOFILE, &old) == 0);
    /* The client socket exists before the limit is lowered. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    /* The lowest free descriptor becomes the limit: no new one can be made. */
    int lowest = dup(0);
    CHECK(lowest >= 0);
    close(lowest);
    struct rlimit low = old;
    low.rlim_cur = (rlim_t)lowest;
    CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    long long deadline = tu_now_ms() + 3000;
    while (r.count[PIER_TCPSERVER_EVENT_ERROR] == 0 && tu_now_ms() < deadline)
        CHECK_OK(h, pier_tcpserver_do_doevents(h));
    CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0);
    EXPECT_INT(r.count[PIER_TCPSERVER_EVENT_ERROR], 1);
    tt_event *e = tt_nth(&r, PIER_TCPSERVER_EVENT_ERROR, 0, 0);
    if (e) {
        EXPECT_INT(e->cid, 0);
        EXPECT_INT(e->code, 10024);
    }
    EXPECT_INT(r.count[PIER_TCPSERVER_EVENT_CONNECTED], 0);
    /* Recovery: once descriptors are available again, the client waiting in
     * the backlog is accepted without needing another client to arrive. */
    deadline = tu_now_ms() + 3000;
    while (r.count[PIER_TCPSERVER_EVENT_CONNECTED] < 1 && tu_now_ms() < deadline)
        CHECK_OK(h, pier_tcpserver_do_doevents(h));
    if (r.count[PIER_TCPSERVER_EVENT_CONNECTED] != 1)
        TT_SOFT_FAIL("after accept() failed with EMFILE and descriptors were freed, the waiting client was "
                     "not accepted within 3 s (it waits until some other client connects)");
    int fd2 = tu_connect(port);
    deadline = tu_now_ms() + 3000;
    while (r.count[PIER_TCPSERVER_EVENT_CONNECTED] < 2 && tu_now_ms() < deadline)
        CHECK_OK(h, pier_tcpserver_do_doevents(h));
    EXPECT_INT(r.count[PIER_TCPSERVER_EVENT_CONNECTED], 2);
    close(fd);
    close(fd2);
    pump(h, 50);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN);
    const char *only = argc > 1 ? argv[1] : NULL;
#define PART(name, fn)                                                          \
    if (!only || strcmp(only, name) == 0) {                                     \
        fprintf(stderr, "-- %s\n", name);                                       \
        fn();                                                                   \
    }
    PART("flood", test_flood_without_eol);
    PART("fuzz", test_framing_fuzz);
    PART("storm", test_storm);
    PART("resets", test_resets_while_sending);
    PART("burst", test_close_in_burst);
    PART("emfile", test_emfile);
    EXPECT_INT(tt_cb_max_depth <= 1, 1);
    return tt_exit("api_hostile");
}
