/*
 * api_events.c — TCPServer's events with real clients (the TCPServer reference
 * Events; docs/API.md §8 "Events and data"):
 *
 *  - ConnectionRequest -> Connected (0 / "OK") -> ReadyToSend (once);
 *    Accept False refuses with a FIN: no Connected/Disconnected, no id used;
 *  - DataIn framing: multi-byte binary EOL split across writes, EOL "" (raw),
 *    SingleLineMode (CR, LF, CRLF, CR | LF across writes), RecordLength with
 *    ChangeRecordLength inside DataIn (a length-prefixed protocol; records take
 *    precedence), maximum line length (pieces of exactly DefaultMaxLineLength
 *    with EOL False, the empty line with EOL True when the EOL follows a cut,
 *    EOLs straddling reads), partial line (and record) with EOL False before
 *    Disconnected;
 *  - Disconnected status: 0 / "OK" for a peer close, Disconnect, Connected
 *    False; 10054 with Error first for a reset; 10060 for idle timeouts
 *    (IdleTimeout, DefaultIdleTimeout; activity in both directions extends it);
 *  - PauseData / ProcessData / AcceptData stop and resume DataIn, nothing lost,
 *    also when paused inside DataIn and when the peer closes while paused;
 *  - AllowedClients / BlockedClients (literal, CIDR, pattern, list, host name,
 *    blocked first, overridden by Accept true), MaxConnections (not overridable);
 *  - UseIPv6 0 / 1 / 2 with IPv4 and IPv6 clients (IPv4 as "127.0.0.1" on a
 *    dual-stack listener); BindExclusively False: two handles on one port.
 */
#include "test_tcp.h"

#define DATAIN PIER_TCPSERVER_EVENT_DATAIN
#define EXPECT_LINES(r, cid, first, n, texts, lens, eols) \
    tt_expect_lines_at(__FILE__, __LINE__, (r), (cid), (first), (n), (texts), (lens), (eols))

/* Send, then let the server read it (so that the next send is a separate read). */
static void send_pump(pier_tcpserver *h, int fd, const void *data, size_t n) {
    tu_send_all(fd, data, n);
    tt_pump_raw(h, 60);
}

static char *repeat(char c, int n) {
    char *s = (char *)malloc((size_t)n + 1);
    memset(s, c, (size_t)n);
    s[n] = 0;
    return s;
}

/* ------------------------------------------------------------------------ */

static void test_connect_and_refuse(void) {
    tt_rec r;
    tt_rec_init(&r);
    int port;
    pier_tcpserver *h = tt_server(&r, &port);

    int fd = tu_connect(port);
    PUMP_UNTIL(h, 5000, r.count[PIER_TCPSERVER_EVENT_READYTOSEND] == 1);
    pump(h, 100);
    EXPECT_INT(r.n, 3);
    if (r.n >= 3) {
        EXPECT_INT(r.ev[0].type, PIER_TCPSERVER_EVENT_CONNECTIONREQUEST);
        EXPECT_STR(r.ev[0].text, "127.0.0.1");
        EXPECT_INT(r.ev[0].port, tt_local_port(fd));
        EXPECT_INT(r.ev[0].eol, 1); /* Accept preset true */
        EXPECT_INT(r.ev[1].type, PIER_TCPSERVER_EVENT_CONNECTED);
        EXPECT_INT(r.ev[1].code, 0);
        EXPECT_STR(r.ev[1].text, "OK");
        EXPECT_INT(r.ev[2].type, PIER_TCPSERVER_EVENT_READYTOSEND);
        EXPECT_INT(r.ev[2].cid, r.ev[1].cid);
    } else {
        tt_dump(&r, 10);
    }
    int first_id = r.last_cid;

    /* Accept False: FIN at once, no Connected / Disconnected, no id consumed. */
    r.accept = 0;
    int rf = tu_connect(port);
    PUMP_UNTIL(h, 5000, r.count[PIER_TCPSERVER_EVENT_CONNECTIONREQUEST] == 2);
    EXPECT_INT(tt_wait_end(rf, 3000), TT_END_FIN);
    close(rf);
    pump(h, 100);
    EXPECT_INT(r.count[PIER_TCPSERVER_EVENT_CONNECTED], 1);
    EXPECT_INT(r.count[PIER_TCPSERVER_EVENT_DISCONNECTED], 0);
    EXPECT_INT(r.count[PIER_TCPSERVER_EVENT_READYTOSEND], 1);
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0, 1);
    r.accept = -1;
    int second = 0;
    int fd2 = tt_accept_one(h, &r, port, &second);
    EXPECT_INT(second, first_id + 1);
    close(fd);
    close(fd2);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == 2);
    for (int i = 0; i < r.n; i++)
        if (r.ev[i].type == PIER_TCPSERVER_EVENT_DISCONNECTED) {
            EXPECT_INT(r.ev[i].code, 0);
            EXPECT_STR(r.ev[i].text, "OK");
        }
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

static void test_eol_framing(void) {
    tt_rec r;
    tt_rec_init(&r);
    pier_tcpserver *h = pier_tcpserver_open();
    tt_rec_attach(h, &r);
    static const char eol5[] = {'\0', 'E', 'N', 'D', '\0'};
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, eol5, 5));
    int port = tu_listen(h);
    int cid;
    int fd = tt_accept_one(h, &r, port, &cid);

    /* A multi-byte EOL with NULs, split across writes: nothing before it completes. */
    send_pump(h, fd, "abc\0EN", 6);
    EXPECT_INT(r.count[DATAIN], 0);
    send_pump(h, fd, "D\0def\0E", 7);
    PUMP_UNTIL(h, 3000, r.count[DATAIN] == 1);
    send_pump(h, fd, "ND\0", 3);
    PUMP_UNTIL(h, 3000, r.count[DATAIN] == 2);
    {
        const char *t[] = {"abc", "def"};
        const int e[] = {1, 1};
        EXPECT_LINES(&r, cid, 0, 2, t, NULL, e);
    }
    /* Several lines in one write, empty lines, binary text with NULs. */
    tu_send_all(fd, "x\0END\0\0END\0y\0z\0END\0", 19);
    PUMP_UNTIL(h, 3000, r.count[DATAIN] == 5);
    {
        const char *t[] = {"x", "", "y\0z"};
        const int l[] = {1, 0, 3};
        const int e[] = {1, 1, 1};
        EXPECT_LINES(&r, cid, 2, 3, t, l, e);
    }

    /* EOL changed on the connection: CRLF, the CR at the end of one write. */
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_EOL, cid, "\r\n", -1));
    send_pump(h, fd, "one\r", 4);
    send_pump(h, fd, "\ntwo\r\n\r\n", 8);
    PUMP_UNTIL(h, 3000, r.count[DATAIN] == 8);
    {
        const char *t[] = {"one", "two", ""};
        const int e[] = {1, 1, 1};
        EXPECT_LINES(&r, cid, 5, 3, t, NULL, e);
    }

    /* EOL "" : data as received, EOL always True. */
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_EOL, cid, "", 0));
    send_pump(h, fd, "raw\r\ndata", 9);
    PUMP_UNTIL(h, 3000, r.bytes_in >= 3 + 3 + 1 + 0 + 3 + 3 + 3 + 0 + 9);
    int n = tt_count(&r, DATAIN, cid);
    size_t total = 0;
    for (int i = 8; i < n; i++) {
        tt_event *e = tt_nth(&r, DATAIN, cid, i);
        EXPECT_INT(e->eol, 1);
        total += (size_t)e->len;
    }
    EXPECT_INT(total, 9);
    close(fd);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == 1);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

static void test_single_line_mode(void) {
    tt_rec r;
    tt_rec_init(&r);
    pier_tcpserver *h = pier_tcpserver_open();
    tt_rec_attach(h, &r);
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTSINGLELINEMODE, 0, 1));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, "X", -1)); /* ignored */
    int port = tu_listen(h);
    int cid;
    int fd = tt_accept_one(h, &r, port, &cid);
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_SINGLELINEMODE, cid), "True");

    /* CR, LF, CRLF; a CR ending one write and an LF starting the next are one
     * line end; a CR followed by another byte ends the line there. */
    send_pump(h, fd, "a\rb\nc\r\nd\r", 9);
    send_pump(h, fd, "\neXf\n", 5);
    send_pump(h, fd, "g\r", 2);
    send_pump(h, fd, "h\n", 2);
    send_pump(h, fd, "p\r\n\r\nq\n", 7);
    PUMP_UNTIL(h, 3000, r.count[DATAIN] >= 9);
    pump(h, 50);
    {
        const char *t[] = {"a", "b", "c", "d", "eXf", "g", "h", "p", "", "q"};
        const int e[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        EXPECT_LINES(&r, cid, 0, 10, t, NULL, e);
    }
    /* Turned off: the EOL applies again. */
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SINGLELINEMODE, cid, 0));
    send_pump(h, fd, "1\n2X", 4);
    PUMP_UNTIL(h, 3000, r.count[DATAIN] == 11);
    {
        const char *t[] = {"1\n2"};
        const int e[] = {1};
        EXPECT_LINES(&r, cid, 10, 1, t, NULL, e);
    }
    /* A partial line at close comes with EOL False (before Disconnected). */
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SINGLELINEMODE, cid, 1));
    tu_send_all(fd, "tail", 4);
    shutdown(fd, SHUT_WR);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == 1);
    {
        const char *t[] = {"tail"};
        const int e[] = {0};
        EXPECT_LINES(&r, cid, 11, 1, t, NULL, e);
    }
    EXPECT(tt_index(&r, DATAIN, cid, 11) < tt_index(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, cid, 0));
    close(fd);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

/* A length-prefixed protocol: 2-byte big-endian length, then the message. */
static struct {
    int state; /* 0: expecting a header */
    int msgs;
    int bad;
    char msg[16][512];
    int len[16];
    int eol[16];
} lp;

static void lp_hook(tt_rec *r, pier_tcpserver *h, int id, void *params) {
    (void)r;
    if (id == PIER_TCPSERVER_EVENT_CONNECTED) {
        pier_tcpserver_connected_params *p = (pier_tcpserver_connected_params *)params;
        if (pier_tcpserver_do_changerecordlength(h, p->connection_id, 2) != 0) lp.bad++;
        lp.state = 0;
        return;
    }
    if (id != DATAIN) return;
    pier_tcpserver_datain_params *p = (pier_tcpserver_datain_params *)params;
    if (pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_RECORDLENGTH, p->connection_id) == 0) return;
    if (lp.state == 0 && p->eol && p->text_len == 2) {
        int n = (p->text[0] << 8) | p->text[1];
        if (n == 0) {
            lp.len[lp.msgs] = 0;
            lp.eol[lp.msgs] = 1;
            lp.msgs++;
            return;
        }
        if (pier_tcpserver_do_changerecordlength(h, p->connection_id, n) != 0) lp.bad++;
        if (pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_RECORDLENGTH, p->connection_id) != n) lp.bad++;
        lp.state = 1;
        return;
    }
    if (lp.msgs < 16 && p->text_len < 512) {
        memcpy(lp.msg[lp.msgs], p->text, (size_t)p->text_len);
        lp.len[lp.msgs] = p->text_len;
        lp.eol[lp.msgs] = p->eol;
        lp.msgs++;
    }
    if (pier_tcpserver_do_changerecordlength(h, p->connection_id, 2) != 0) lp.bad++;
    lp.state = 0;
}

static void test_records(void) {
    tt_rec r;
    tt_rec_init(&r);
    r.hook = lp_hook;
    memset(&lp, 0, sizeof lp);
    pier_tcpserver *h = pier_tcpserver_open();
    tt_rec_attach(h, &r);
    /* Records take precedence over SingleLineMode and EOL, and over the
     * maximum line length. */
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTSINGLELINEMODE, 0, 1));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, "\n", -1));
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH, 0, 256));
    int port = tu_listen(h);
    int cid;
    int fd = tt_accept_one(h, &r, port, &cid);
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_RECORDLENGTH, cid, 2);

    /* Four messages in one write: "he\nlo", "", "a\rb", 300 bytes. */
    unsigned char buf[2 + 5 + 2 + 2 + 3 + 2 + 300];
    size_t k = 0;
    buf[k++] = 0, buf[k++] = 5;
    memcpy(buf + k, "he\nlo", 5), k += 5;
    buf[k++] = 0, buf[k++] = 0;
    buf[k++] = 0, buf[k++] = 3;
    memcpy(buf + k, "a\rb", 3), k += 3;
    buf[k++] = 300 >> 8, buf[k++] = 300 & 0xff;
    for (int i = 0; i < 300; i++) buf[k++] = (unsigned char)(i % 7 == 0 ? '\n' : 'A' + i % 26);
    tu_send_all(fd, buf, k);
    PUMP_UNTIL(h, 3000, lp.msgs == 4);
    EXPECT_INT(lp.bad, 0);
    EXPECT_INT(lp.len[0], 5);
    EXPECT(memcmp(lp.msg[0], "he\nlo", 5) == 0);
    EXPECT_INT(lp.len[1], 0);
    EXPECT_INT(lp.len[2], 3);
    EXPECT(memcmp(lp.msg[2], "a\rb", 3) == 0);
    EXPECT_INT(lp.len[3], 300);
    EXPECT(memcmp(lp.msg[3], buf + k - 300, 300) == 0);
    for (int i = 0; i < 4; i++) EXPECT_INT(lp.eol[i], 1);

    /* One message dribbled byte by byte. */
    const unsigned char slow[] = {0, 6, 's', 'l', '\r', 'o', 'w', '!'};
    for (size_t i = 0; i < sizeof slow; i++) send_pump(h, fd, slow + i, 1);
    PUMP_UNTIL(h, 3000, lp.msgs == 5);
    EXPECT_INT(lp.len[4], 6);
    EXPECT(memcmp(lp.msg[4], "sl\row!", 6) == 0);
    EXPECT_INT(lp.eol[4], 1);

    /* RecordLength 0 from outside: SingleLineMode applies again. */
    CHECK_OK(h, pier_tcpserver_do_changerecordlength(h, cid, 0));
    int before = r.count[DATAIN];
    tu_send_all(fd, "line\r\n", 6);
    PUMP_UNTIL(h, 3000, r.count[DATAIN] == before + 1);
    {
        const char *t[] = {"line"};
        const int e[] = {1};
        EXPECT_LINES(&r, cid, before, 1, t, NULL, e);
    }
    /* A partial record at close: delivered with EOL False before Disconnected. */
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_RECORDLENGTH, cid, 10));
    tu_send_all(fd, "abc", 3);
    shutdown(fd, SHUT_WR);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == 1);
    {
        const char *t[] = {"abc"};
        const int e[] = {0};
        EXPECT_LINES(&r, cid, before + 1, 1, t, NULL, e);
    }
    close(fd);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

/* A framing change made inside DataIn applies to the very next piece, even
 * for bytes that arrived in the same read. */
static void change_hook(tt_rec *r, pier_tcpserver *h, int id, void *params) {
    (void)r;
    if (id != DATAIN) return;
    pier_tcpserver_datain_params *p = (pier_tcpserver_datain_params *)params;
    int c = p->connection_id;
    const char *t = (const char *)p->text;
    if (strcmp(t, "to-semi") == 0) CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_EOL, c, ";", -1));
    if (strcmp(t, "to-single") == 0) CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SINGLELINEMODE, c, 1));
    if (strcmp(t, "to-rec") == 0) CHECK_OK(h, pier_tcpserver_do_changerecordlength(h, c, 4));
    if (strcmp(t, "ABCD") == 0) {
        CHECK_OK(h, pier_tcpserver_do_changerecordlength(h, c, 0));
        CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_SINGLELINEMODE, c, 0));
        CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_EOL, c, "\n", -1));
    }
}

static void test_framing_change_in_datain(void) {
    tt_rec r;
    tt_rec_init(&r);
    r.hook = change_hook;
    pier_tcpserver *h = pier_tcpserver_open();
    tt_rec_attach(h, &r);
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, "\n", -1));
    int port = tu_listen(h);
    int cid;
    int fd = tt_accept_one(h, &r, port, &cid);
    tu_send_str(fd, "x\nto-semi\na;b;to-single;c\rd\r\nto-rec\nABCDtail\n");
    PUMP_UNTIL(h, 3000, r.count[DATAIN] >= 10);
    pump(h, 50);
    {
        const char *t[] = {"x", "to-semi", "a", "b", "to-single", "c", "d", "to-rec", "ABCD", "tail"};
        const int e[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        EXPECT_LINES(&r, cid, 0, 10, t, NULL, e);
    }
    close(fd);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == 1);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

static void test_max_line_length(void) {
    tt_rec r;
    tt_rec_init(&r);
    pier_tcpserver *h = pier_tcpserver_open();
    tt_rec_attach(h, &r);
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH, 0, 256));
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, "\r\n", -1));
    int port = tu_listen(h);
    int cid;
    int fd = tt_accept_one(h, &r, port, &cid);
    /* The connection keeps its copy of the maximum. */
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH, 0, 1000));

    char *a = repeat('a', 256 * 3 + 10), *b = repeat('b', 512), *c = repeat('c', 300), *d = repeat('d', 256),
         *e = repeat('e', 255), *f = repeat('f', 600);
    int at = 0;

    /* (1) a line of 3 maxima + 10, EOL in the same write. */
    tu_send_all(fd, a, strlen(a));
    tu_send_all(fd, "\r\n", 2);
    PUMP_UNTIL(h, 3000, r.count[DATAIN] == at + 4);
    {
        const char *t[] = {a, a, a, a};
        const int l[] = {256, 256, 256, 10};
        const int eo[] = {0, 0, 0, 1};
        EXPECT_LINES(&r, cid, at, 4, t, l, eo);
        at += 4;
    }
    /* (2) two maxima then the EOL: the EOL follows a cut -> empty text, EOL True. */
    tu_send_all(fd, b, 512);
    tu_send_all(fd, "\r\n", 2);
    PUMP_UNTIL(h, 3000, r.count[DATAIN] == at + 3);
    {
        const char *t[] = {b, b, ""};
        const int l[] = {256, 256, 0};
        const int eo[] = {0, 0, 1};
        EXPECT_LINES(&r, cid, at, 3, t, l, eo);
        at += 3;
    }
    /* (3) 300 bytes and a CR, then the LF in the next write: the CR never
     * appears in the text. */
    send_pump(h, fd, c, 300);
    send_pump(h, fd, "\r", 1);
    send_pump(h, fd, "\n", 1);
    PUMP_UNTIL(h, 3000, r.count[DATAIN] == at + 2);
    {
        const char *t[] = {c, c};
        const int l[] = {256, 44};
        const int eo[] = {0, 1};
        EXPECT_LINES(&r, cid, at, 2, t, l, eo);
        at += 2;
    }
    /* (4) exactly the maximum and a CR in one write, the LF later. */
    tu_send_all(fd, d, 256);
    send_pump(h, fd, "\r", 1);
    send_pump(h, fd, "\n", 1);
    PUMP_UNTIL(h, 3000, r.count[DATAIN] >= at + 2);
    pump(h, 50);
    {
        const char *t[] = {d, ""};
        const int l[] = {256, 0};
        const int eo[] = {0, 1};
        EXPECT_LINES(&r, cid, at, 2, t, l, eo);
        at = r.count[DATAIN];
    }
    /* (5) one byte under the maximum, the EOL straddling two writes: a whole line. */
    tu_send_all(fd, e, 255);
    send_pump(h, fd, "\r", 1);
    send_pump(h, fd, "\n", 1);
    PUMP_UNTIL(h, 3000, r.count[DATAIN] >= at + 1);
    pump(h, 50);
    {
        const char *t[] = {e};
        const int l[] = {255};
        const int eo[] = {1};
        EXPECT_LINES(&r, cid, at, 1, t, l, eo);
        at = r.count[DATAIN];
    }
    /* (6) no EOL: pieces come at once, the rest is held until its EOL. */
    send_pump(h, fd, f, 600);
    PUMP_UNTIL(h, 3000, r.count[DATAIN] == at + 2);
    pump(h, 50);
    EXPECT_INT(r.count[DATAIN], at + 2);
    tu_send_all(fd, "\r\n", 2);
    PUMP_UNTIL(h, 3000, r.count[DATAIN] == at + 3);
    {
        const char *t[] = {f, f, f};
        const int l[] = {256, 256, 88};
        const int eo[] = {0, 0, 1};
        EXPECT_LINES(&r, cid, at, 3, t, l, eo);
        at += 3;
    }
    /* (7) a three-byte EOL straddling the cut, and just after it. */
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_EOL, cid, "<|>", -1));
    tu_send_all(fd, e, 255);
    send_pump(h, fd, "<|", 2);
    send_pump(h, fd, ">", 1);
    tu_send_all(fd, d, 256);
    send_pump(h, fd, "<|", 2);
    send_pump(h, fd, ">", 1);
    PUMP_UNTIL(h, 3000, r.count[DATAIN] >= at + 3);
    pump(h, 50);
    {
        const char *t[] = {e, d, ""};
        const int l[] = {255, 256, 0};
        const int eo[] = {1, 0, 1};
        EXPECT_LINES(&r, cid, at, 3, t, l, eo);
        at = r.count[DATAIN];
    }
    /* (8) a partial line at close, EOL False, before Disconnected. */
    tu_send_all(fd, "full<|>part", 11);
    shutdown(fd, SHUT_WR);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == 1);
    {
        const char *t[] = {"full", "part"};
        const int eo[] = {1, 0};
        EXPECT_LINES(&r, cid, at, 2, t, NULL, eo);
    }
    EXPECT(tt_index(&r, DATAIN, cid, at + 1) < tt_index(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, cid, 0));
    EXPECT_INT(tt_nth(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, cid, 0)->code, 0);
    close(fd);
    free(a), free(b), free(c), free(d), free(e), free(f);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

static void test_disconnect_statuses(void) {
    tt_rec r;
    tt_rec_init(&r);
    int port;
    pier_tcpserver *h = tt_server(&r, &port);

    /* The peer closes: 0 / "OK". */
    int c1;
    int fd1 = tt_accept_one(h, &r, port, &c1);
    close(fd1);
    PUMP_UNTIL(h, 3000, tt_count(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, c1) == 1);
    EXPECT_INT(tt_nth(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, c1, 0)->code, 0);
    EXPECT_STR(tt_nth(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, c1, 0)->text, "OK");

    /* Disconnect: 0 / "OK"; Connected reads False at once; the client sees a FIN. */
    int c2;
    int fd2 = tt_accept_one(h, &r, port, &c2);
    CHECK_OK(h, pier_tcpserver_do_disconnect(h, c2));
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_CONNECTED, c2), "False");
    PUMP_UNTIL(h, 3000, tt_count(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, c2) == 1);
    EXPECT_INT(tt_nth(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, c2, 0)->code, 0);
    EXPECT_STR(tt_nth(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, c2, 0)->text, "OK");
    EXPECT_INT(tt_wait_end(fd2, 2000), TT_END_FIN);
    close(fd2);
    pump(h, 50);
    EXPECT_INT(tt_count(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, c2), 1); /* once */

    /* Connected False: 0 / "OK". */
    int c3;
    int fd3 = tt_accept_one(h, &r, port, &c3);
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_CONNECTED, c3, "false", -1));
    PUMP_UNTIL(h, 3000, tt_count(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, c3) == 1);
    EXPECT_INT(tt_nth(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, c3, 0)->code, 0);
    EXPECT_INT(tt_wait_end(fd3, 2000), TT_END_FIN);
    close(fd3);

    /* A reset: Error (10054) first, then Disconnected (10054). */
    int c4;
    int fd4 = tt_accept_one(h, &r, port, &c4);
    tt_close_rst(fd4);
    PUMP_UNTIL(h, 3000, tt_count(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, c4) == 1);
    EXPECT_INT(tt_count(&r, PIER_TCPSERVER_EVENT_ERROR, c4), 1);
    int ie = tt_index(&r, PIER_TCPSERVER_EVENT_ERROR, c4, 0), id = tt_index(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, c4, 0);
    EXPECT(ie >= 0 && ie < id);
    if (ie >= 0) {
        EXPECT_INT(r.ev[ie].code, PIER_ERR_CONNECTION_RESET);
        EXPECT(strlen(r.ev[ie].text) > 0);
    }
    EXPECT_INT(r.ev[id].code, PIER_ERR_CONNECTION_RESET);
    EXPECT(strlen(r.ev[id].text) > 0);
    EXPECT_ERR(pier_tcpserver_do_send(h, c4, "x", 1), PIER_ERR_INVALID_CONNECTION);

    /* No Error event for orderly closes. */
    EXPECT_INT(r.count[PIER_TCPSERVER_EVENT_ERROR], 1);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

static void pause_hook(tt_rec *r, pier_tcpserver *h, int id, void *params) {
    (void)r;
    if (id != DATAIN) return;
    pier_tcpserver_datain_params *p = (pier_tcpserver_datain_params *)params;
    if (p->text_len == 1 && p->text[0] == 'p') CHECK_OK(h, pier_tcpserver_do_pausedata(h, p->connection_id));
}

static void test_pause_process(void) {
    tt_rec r;
    tt_rec_init(&r);
    r.hook = pause_hook;
    pier_tcpserver *h = pier_tcpserver_open();
    tt_rec_attach(h, &r);
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_DEFAULTEOL, 0, "\n", -1));
    int port = tu_listen(h);
    int cid;
    int fd = tt_accept_one(h, &r, port, &cid);

    tu_send_str(fd, "l1\n");
    PUMP_UNTIL(h, 3000, r.count[DATAIN] == 1);
    CHECK_OK(h, pier_tcpserver_do_pausedata(h, cid));
    tu_send_str(fd, "l2\nl3\n");
    tt_pump_raw(h, 200);
    EXPECT_INT(r.count[DATAIN], 1);
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_ACCEPTDATA, cid), "False");
    CHECK_OK(h, pier_tcpserver_do_processdata(h, cid));
    PUMP_UNTIL(h, 3000, r.count[DATAIN] == 3);
    {
        const char *t[] = {"l1", "l2", "l3"};
        const int e[] = {1, 1, 1};
        EXPECT_LINES(&r, cid, 0, 3, t, NULL, e);
    }
    /* The AcceptData property does the same. */
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_ACCEPTDATA, cid, 0));
    tu_send_str(fd, "l4\n");
    tt_pump_raw(h, 200);
    EXPECT_INT(r.count[DATAIN], 3);
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_ACCEPTDATA, cid, "True", -1));
    PUMP_UNTIL(h, 3000, r.count[DATAIN] == 4);
    /* PauseData inside DataIn: the next lines of the same read wait. */
    tu_send_str(fd, "p\nq\nr\n");
    PUMP_UNTIL(h, 3000, r.count[DATAIN] == 5);
    tt_pump_raw(h, 200);
    EXPECT_INT(r.count[DATAIN], 5);
    CHECK_OK(h, pier_tcpserver_do_processdata(h, cid));
    PUMP_UNTIL(h, 3000, r.count[DATAIN] == 7);
    {
        const char *t[] = {"l4", "p", "q", "r"};
        const int e[] = {1, 1, 1, 1};
        EXPECT_LINES(&r, cid, 3, 4, t, NULL, e);
    }
    /* Many lines while paused: all come, in order, after ProcessData. */
    CHECK_OK(h, pier_tcpserver_do_pausedata(h, cid));
    char *bulk = (char *)malloc(5000 * 11 + 1);
    for (int i = 0; i < 5000; i++) snprintf(bulk + i * 11, 12, "line-%05d\n", i);
    tu_send_all(fd, bulk, 5000 * 11);
    tt_pump_raw(h, 200);
    EXPECT_INT(r.count[DATAIN], 7);
    CHECK_OK(h, pier_tcpserver_do_processdata(h, cid));
    PUMP_UNTIL(h, 10000, r.count[DATAIN] == 7 + 5000);
    int order_ok = 1;
    for (int i = 0; i < 5000 && order_ok; i++) {
        tt_event *e = tt_nth(&r, DATAIN, cid, 7 + i);
        char want[16];
        snprintf(want, sizeof want, "line-%05d", i);
        if (!e || e->len != 10 || memcmp(e->data, want, 10) != 0 || !e->eol) order_ok = 0;
    }
    EXPECT(order_ok);
    free(bulk);
    /* The peer closes while paused: its last line comes before Disconnected. */
    CHECK_OK(h, pier_tcpserver_do_pausedata(h, cid));
    tu_send_str(fd, "last\n");
    close(fd);
    tt_pump_raw(h, 200);
    EXPECT_INT(r.count[DATAIN], 7 + 5000);
    CHECK_OK(h, pier_tcpserver_do_processdata(h, cid));
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == 1);
    {
        const char *t[] = {"last"};
        const int e[] = {1};
        EXPECT_LINES(&r, cid, 7 + 5000, 1, t, NULL, e);
    }
    EXPECT(tt_index(&r, DATAIN, cid, 7 + 5000) < tt_index(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, cid, 0));
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

static void test_idle_timeouts(void) {
    tt_rec r;
    tt_rec_init(&r);
    pier_tcpserver *h = pier_tcpserver_open();
    tt_rec_attach(h, &r);
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_DEFAULTIDLETIMEOUT, 0, 1));
    int port = tu_listen(h);
    int ca, cb, cc, ce;
    long long t0 = tu_now_ms();
    int fa = tt_accept_one(h, &r, port, &ca); /* idle */
    int fb = tt_accept_one(h, &r, port, &cb); /* sends */
    int fc = tt_accept_one(h, &r, port, &cc); /* IdleTimeout 0 */
    int fe = tt_accept_one(h, &r, port, &ce); /* receives */
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_IDLETIMEOUT, cc, 0));
    EXPECT(pier_tcpserver_get_timeout_ms(h) >= 0); /* a timer is pending */

    /* 2.4 s of activity on b (client -> server) and e (server -> client). */
    long long until = tu_now_ms() + 2400;
    while (tu_now_ms() < until) {
        tu_send_all(fb, "x", 1);
        EXPECT_OK(h, pier_tcpserver_do_send(h, ce, "k", 1));
        tt_pump_raw(h, 300);
    }
    /* a is gone with 10060, not too early; b, c and e are still there. */
    tt_event *da = tt_nth(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, ca, 0);
    EXPECT(da != NULL);
    if (da) {
        EXPECT_INT(da->code, PIER_ERR_TIMED_OUT);
        EXPECT(strlen(da->text) > 0);
        EXPECT(da->at_ms - t0 >= 900);
    }
    EXPECT_INT(tt_count(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, cb), 0);
    EXPECT_INT(tt_count(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, cc), 0);
    EXPECT_INT(tt_count(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, ce), 0);
    /* No Error event for a timeout. */
    EXPECT_INT(r.count[PIER_TCPSERVER_EVENT_ERROR], 0);

    /* b and e fall silent: they time out too; c (IdleTimeout 0) stays. */
    long long t1 = tu_now_ms();
    PUMP_UNTIL(h, 5000, tt_count(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, cb) == 1 &&
                            tt_count(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, ce) == 1);
    EXPECT(tu_now_ms() - t1 >= 600);
    EXPECT_INT(tt_nth(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, cb, 0)->code, PIER_ERR_TIMED_OUT);
    EXPECT_INT(tt_nth(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, ce, 0)->code, PIER_ERR_TIMED_OUT);
    tt_pump_raw(h, 300);
    EXPECT_INT(tt_count(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, cc), 0);
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_CONNECTED, cc), "True");

    /* A per-connection IdleTimeout set later applies too. */
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_IDLETIMEOUT, cc, 1));
    PUMP_UNTIL(h, 5000, tt_count(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, cc) == 1);
    EXPECT_INT(tt_nth(&r, PIER_TCPSERVER_EVENT_DISCONNECTED, cc, 0)->code, PIER_ERR_TIMED_OUT);

    /* With Linger True (the default) an idle client is closed gracefully: the
     * client sees an orderly end of stream (FIN), not a reset. */
    int end_a = tt_wait_end(fa, 2000);
    if (end_a != TT_END_FIN)
        TT_SOFT_FAIL("an idle-timed-out client saw %s, expected an orderly close (FIN) since Linger is True",
                     end_a == TT_END_RST ? "a reset (ECONNRESET)" : "nothing");
    tt_wait_end(fb, 2000);
    tt_wait_end(fc, 2000);
    tt_wait_end(fe, 2000);
    close(fa), close(fb), close(fc), close(fe);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

/* One client against the current lists: accepted (Connected fires) or refused
 * (ConnectionRequest with Accept preset False, FIN, no Connected). */
static void expect_client(const char *file, int line, pier_tcpserver *h, tt_rec *r, int port, int v6,
                          int want_preset, int want_accepted) {
    int req = r->count[PIER_TCPSERVER_EVENT_CONNECTIONREQUEST];
    int con = r->count[PIER_TCPSERVER_EVENT_CONNECTED];
    int dis = r->count[PIER_TCPSERVER_EVENT_DISCONNECTED];
    int fd = v6 ? tt_connect6_try(port) : tt_connect4_try(port);
    if (fd < 0) TU_FAIL("%s:%d: connect failed: %s", file, line, strerror(errno));
    long long deadline = tu_now_ms() + tu_ms(3000);
    while (r->count[PIER_TCPSERVER_EVENT_CONNECTIONREQUEST] == req && tu_now_ms() < deadline)
        CHECK_OK(h, pier_tcpserver_do_doevents(h));
    pump(h, 30);
    int ok = 1;
    if (r->count[PIER_TCPSERVER_EVENT_CONNECTIONREQUEST] != req + 1) {
        fprintf(stderr, "%s:%d: FAILED: no ConnectionRequest\n", file, line);
        ok = 0;
    } else {
        tt_event *e = tt_nth(r, PIER_TCPSERVER_EVENT_CONNECTIONREQUEST, 0, req);
        if (e->eol != want_preset) {
            fprintf(stderr, "%s:%d: FAILED: ConnectionRequest from %s: Accept preset %d, expected %d\n", file, line,
                    e->text, e->eol, want_preset);
            ok = 0;
        }
    }
    int accepted = r->count[PIER_TCPSERVER_EVENT_CONNECTED] == con + 1;
    if (accepted != want_accepted) {
        fprintf(stderr, "%s:%d: FAILED: client %s, expected %s\n", file, line, accepted ? "accepted" : "refused",
                want_accepted ? "accepted" : "refused");
        ok = 0;
    }
    if (!want_accepted) {
        int end = tt_wait_end(fd, 2000);
        if (end != TT_END_FIN) {
            fprintf(stderr, "%s:%d: FAILED: refused client saw %s, expected a FIN\n", file, line,
                    end == TT_END_RST ? "a reset" : "nothing");
            ok = 0;
        }
    }
    close(fd);
    if (accepted) {
        deadline = tu_now_ms() + tu_ms(3000);
        while (r->count[PIER_TCPSERVER_EVENT_DISCONNECTED] == dis && tu_now_ms() < deadline)
            CHECK_OK(h, pier_tcpserver_do_doevents(h));
    } else {
        pump(h, 30);
        if (r->count[PIER_TCPSERVER_EVENT_DISCONNECTED] != dis) {
            fprintf(stderr, "%s:%d: FAILED: Disconnected fired for a refused client\n", file, line);
            ok = 0;
        }
    }
    if (!ok) tt_failures++;
}
#define EXPECT_CLIENT(h, r, port, v6, preset, accepted) \
    expect_client(__FILE__, __LINE__, (h), (r), (port), (v6), (preset), (accepted))

static void test_client_lists(void) {
    tt_rec r;
    tt_rec_init(&r);
    int port;
    pier_tcpserver *h = tt_server(&r, &port);
    EXPECT_CLIENT(h, &r, port, 0, 1, 1);
    CHECK_CFG(h, "AllowedClients=10.0.0.1");
    EXPECT_CLIENT(h, &r, port, 0, 0, 0);
    CHECK_CFG(h, "AllowedClients=127.0.0.1");
    EXPECT_CLIENT(h, &r, port, 0, 1, 1);
    CHECK_CFG(h, "AllowedClients=10.0.0.0/8");
    EXPECT_CLIENT(h, &r, port, 0, 0, 0);
    CHECK_CFG(h, "AllowedClients=127.0.0.0/8");
    EXPECT_CLIENT(h, &r, port, 0, 1, 1);
    CHECK_CFG(h, "AllowedClients=10.*");
    EXPECT_CLIENT(h, &r, port, 0, 0, 0);
    CHECK_CFG(h, "AllowedClients=127.*");
    EXPECT_CLIENT(h, &r, port, 0, 1, 1);
    CHECK_CFG(h, "AllowedClients= 10.0.0.1 , 127.0.0.1 ");
    EXPECT_CLIENT(h, &r, port, 0, 1, 1);
    CHECK_CFG(h, "AllowedClients=localhost");
    EXPECT_CLIENT(h, &r, port, 0, 1, 1);
    /* Blocked first. */
    CHECK_CFG(h, "AllowedClients=*");
    CHECK_CFG(h, "BlockedClients=127.0.0.1");
    EXPECT_CLIENT(h, &r, port, 0, 0, 0);
    CHECK_CFG(h, "BlockedClients=127.0.0.0/8");
    EXPECT_CLIENT(h, &r, port, 0, 0, 0);
    CHECK_CFG(h, "BlockedClients=127.0.*");
    EXPECT_CLIENT(h, &r, port, 0, 0, 0);
    CHECK_CFG(h, "AllowedClients=127.0.0.1");
    CHECK_CFG(h, "BlockedClients=127.0.0.1");
    EXPECT_CLIENT(h, &r, port, 0, 0, 0);
    CHECK_CFG(h, "BlockedClients=10.0.0.0/8");
    EXPECT_CLIENT(h, &r, port, 0, 1, 1);
    /* Excluded, but the callback sets Accept true: accepted. */
    CHECK_CFG(h, "BlockedClients=127.0.0.1");
    r.accept = 1;
    EXPECT_CLIENT(h, &r, port, 0, 0, 1);
    /* Allowed, but the callback sets Accept false: refused. */
    CHECK_CFG(h, "BlockedClients=");
    r.accept = 0;
    EXPECT_CLIENT(h, &r, port, 0, 1, 0);
    r.accept = -1;
    /* Excluded and nobody listens to ConnectionRequest: refused. */
    CHECK_CFG(h, "AllowedClients=10.0.0.1");
    CHECK_OK(h, pier_tcpserver_register_callback(h, PIER_TCPSERVER_EVENT_CONNECTIONREQUEST, NULL, NULL));
    int fd = tu_connect(port);
    tt_pump_raw(h, 200);
    EXPECT_INT(tt_wait_end(fd, 2000), TT_END_FIN);
    close(fd);
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0, 0);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

static void test_max_connections(void) {
    tt_rec r;
    tt_rec_init(&r);
    pier_tcpserver *h = pier_tcpserver_open();
    tt_rec_attach(h, &r);
    CHECK_CFG(h, "MaxConnections=2");
    int port = tu_listen(h);
    r.accept = 1; /* the callback says yes to everybody */
    int c1, c2;
    int f1 = tt_accept_one(h, &r, port, &c1);
    int f2 = tt_accept_one(h, &r, port, &c2);
    EXPECT_CLIENT(h, &r, port, 0, 0, 0); /* the limit holds whatever the callback sets */
    EXPECT_CLIENT(h, &r, port, 0, 0, 0);
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0, 2);
    /* Several at once over the limit. */
    int burst[5];
    for (int i = 0; i < 5; i++) burst[i] = tu_connect(port);
    pump(h, 300);
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0, 2);
    EXPECT_INT(r.count[PIER_TCPSERVER_EVENT_CONNECTED], 2);
    for (int i = 0; i < 5; i++) {
        EXPECT_INT(tt_wait_end(burst[i], 2000), TT_END_FIN);
        close(burst[i]);
    }
    /* A place frees up: the next client is accepted. */
    close(f1);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == 1);
    EXPECT_CLIENT(h, &r, port, 0, 1, 1);
    close(f2);
    PUMP_UNTIL(h, 3000, pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0) == 0);
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

static int listen_mode(pier_tcpserver *h, const char *host, int mode) {
    char s[32];
    snprintf(s, sizeof s, "UseIPv6=%d", mode);
    CHECK_CFG(h, s);
    CHECK_OK(h, pier_tcpserver_set(h, PIER_TCPSERVER_PROP_LOCALHOST, 0, host, -1));
    CHECK_OK(h, pier_tcpserver_set_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0, 0));
    CHECK_OK(h, pier_tcpserver_do_startlistening(h));
    return (int)pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_LOCALPORT, 0);
}

static void expect_refused_by_os(int fd, const char *what) {
    if (fd >= 0) {
        TT_SOFT_FAIL("%s: connect succeeded, expected ECONNREFUSED", what);
        close(fd);
    }
}

static void test_ipv6(void) {
    tt_rec r;
    tt_rec_init(&r);
    pier_tcpserver *h = pier_tcpserver_open();
    tt_rec_attach(h, &r);

    /* UseIPv6 1 on ::1. */
    int port = listen_mode(h, "::1", 1);
    int fd = tt_connect6_try(port);
    CHECK(fd >= 0);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_CONNECTED] == 1);
    int cid = r.last_cid;
    EXPECT_STR(tt_nth(&r, PIER_TCPSERVER_EVENT_CONNECTIONREQUEST, 0, 0)->text, "::1");
    EXPECT_INT(tt_nth(&r, PIER_TCPSERVER_EVENT_CONNECTIONREQUEST, 0, 0)->port, tt_local_port(fd));
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_REMOTEHOST, cid), "::1");
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_LOCALADDRESS, cid), "::1");
    EXPECT_GETINT(h, PIER_TCPSERVER_PROP_REMOTEPORT, cid, tt_local_port(fd));
    tu_send_str(fd, "v6");
    PUMP_UNTIL(h, 3000, r.bytes_in == 2);
    CHECK_OK(h, pier_tcpserver_do_sendtext(h, cid, "six"));
    char buf[8];
    EXPECT_INT(tu_recv_exact(fd, buf, 3, 3000), 3);
    expect_refused_by_os(tt_connect4_try(port), "IPv4 client of an IPv6-only (::1) listener");
    close(fd);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_DISCONNECTED] == 1);
    CHECK_OK(h, pier_tcpserver_do_stoplistening(h));

    /* UseIPv6 1, every interface: IPv6 only. */
    port = listen_mode(h, "", 1);
    EXPECT_CLIENT(h, &r, port, 1, 1, 1);
    expect_refused_by_os(tt_connect4_try(port), "IPv4 client of UseIPv6=1 on every interface");
    CHECK_OK(h, pier_tcpserver_do_stoplistening(h));

    /* UseIPv6 2: both; IPv4 clients appear as plain IPv4. */
    port = listen_mode(h, "", 2);
    int n_req = r.count[PIER_TCPSERVER_EVENT_CONNECTIONREQUEST];
    int f4 = tu_connect(port);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_CONNECTED] == 3);
    int c4 = r.last_cid;
    EXPECT_STR(tt_nth(&r, PIER_TCPSERVER_EVENT_CONNECTIONREQUEST, 0, n_req)->text, "127.0.0.1");
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_REMOTEHOST, c4), "127.0.0.1");
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_LOCALADDRESS, c4), "127.0.0.1");
    int f6 = tt_connect6_try(port);
    CHECK(f6 >= 0);
    PUMP_UNTIL(h, 3000, r.count[PIER_TCPSERVER_EVENT_CONNECTED] == 4);
    int c6 = r.last_cid;
    EXPECT_STR(G(h, PIER_TCPSERVER_PROP_REMOTEHOST, c6), "::1");
    close(f4);
    close(f6);
    PUMP_UNTIL(h, 3000, pier_tcpserver_get_int(h, PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0) == 0);
    /* The client lists see the plain IPv4 address. */
    CHECK_CFG(h, "AllowedClients=127.0.0.1");
    EXPECT_CLIENT(h, &r, port, 0, 1, 1);
    EXPECT_CLIENT(h, &r, port, 1, 0, 0);
    CHECK_CFG(h, "AllowedClients=::1");
    EXPECT_CLIENT(h, &r, port, 1, 1, 1);
    EXPECT_CLIENT(h, &r, port, 0, 0, 0);
    CHECK_CFG(h, "AllowedClients=*");
    CHECK_OK(h, pier_tcpserver_do_stoplistening(h));

    /* UseIPv6 0, every interface: IPv4 only. */
    port = listen_mode(h, "", 0);
    EXPECT_CLIENT(h, &r, port, 0, 1, 1);
    expect_refused_by_os(tt_connect6_try(port), "IPv6 client of UseIPv6=0");
    CHECK_INT(pier_tcpserver_close(h), 0);
    tt_rec_clear(&r);
}

static void test_reuse_port(void) {
    tt_rec r1, r2;
    tt_rec_init(&r1);
    tt_rec_init(&r2);
    pier_tcpserver *h1 = pier_tcpserver_open(), *h2 = pier_tcpserver_open(), *h3 = pier_tcpserver_open();
    tt_rec_attach(h1, &r1);
    tt_rec_attach(h2, &r2);
    CHECK_CFG(h1, "BindExclusively=False");
    CHECK_CFG(h2, "BindExclusively=False");
    int port = tu_listen(h1);
    CHECK_OK(h2, pier_tcpserver_set(h2, PIER_TCPSERVER_PROP_LOCALHOST, 0, "127.0.0.1", -1));
    CHECK_OK(h2, pier_tcpserver_set_int(h2, PIER_TCPSERVER_PROP_LOCALPORT, 0, port));
    CHECK_OK(h2, pier_tcpserver_do_startlistening(h2));
    EXPECT_GETINT(h2, PIER_TCPSERVER_PROP_LOCALPORT, 0, port);
    /* An exclusive handle cannot join. */
    CHECK_OK(h3, pier_tcpserver_set(h3, PIER_TCPSERVER_PROP_LOCALHOST, 0, "127.0.0.1", -1));
    CHECK_OK(h3, pier_tcpserver_set_int(h3, PIER_TCPSERVER_PROP_LOCALPORT, 0, port));
    EXPECT_ERR(pier_tcpserver_do_startlistening(h3), PIER_ERR_ADDRESS_IN_USE);

    enum { N = 24 };
    int fds[N];
    for (int i = 0; i < N; i++) fds[i] = tu_connect(port);
    long long deadline = tu_now_ms() + tu_ms(5000);
    while (r1.count[PIER_TCPSERVER_EVENT_CONNECTED] + r2.count[PIER_TCPSERVER_EVENT_CONNECTED] < N &&
           tu_now_ms() < deadline) {
        CHECK_OK(h1, pier_tcpserver_do_doevents(h1));
        CHECK_OK(h2, pier_tcpserver_do_doevents(h2));
    }
    int n1 = r1.count[PIER_TCPSERVER_EVENT_CONNECTED], n2 = r2.count[PIER_TCPSERVER_EVENT_CONNECTED];
    EXPECT_INT(n1 + n2, N);
    if (n1 == 0 || n2 == 0) TT_SOFT_FAIL("SO_REUSEPORT: %d clients went to handle 1 and %d to handle 2", n1, n2);
    for (int i = 0; i < N; i++) close(fds[i]);
    pump(h1, 100);
    pump(h2, 100);
    CHECK_INT(pier_tcpserver_close(h1), 0);
    CHECK_INT(pier_tcpserver_close(h2), 0);

    /* An exclusive listener keeps a non-exclusive one out. */
    int p3 = tu_listen(h3);
    pier_tcpserver *h4 = pier_tcpserver_open();
    CHECK_CFG(h4, "BindExclusively=False");
    CHECK_OK(h4, pier_tcpserver_set(h4, PIER_TCPSERVER_PROP_LOCALHOST, 0, "127.0.0.1", -1));
    CHECK_OK(h4, pier_tcpserver_set_int(h4, PIER_TCPSERVER_PROP_LOCALPORT, 0, p3));
    EXPECT_ERR(pier_tcpserver_do_startlistening(h4), PIER_ERR_ADDRESS_IN_USE);
    CHECK_INT(pier_tcpserver_close(h3), 0);
    CHECK_INT(pier_tcpserver_close(h4), 0);
    tt_rec_clear(&r1);
    tt_rec_clear(&r2);
}

int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN);
    /* Optional: run one part, e.g. `api_events idle`. */
    const char *only = argc > 1 ? argv[1] : NULL;
#define PART(name, fn)                                                          \
    if (!only || strcmp(only, name) == 0) {                                     \
        fprintf(stderr, "-- %s\n", name);                                       \
        fn();                                                                   \
    }
    PART("connect", test_connect_and_refuse);
    PART("eol", test_eol_framing);
    PART("singleline", test_single_line_mode);
    PART("records", test_records);
    PART("change", test_framing_change_in_datain);
    PART("maxline", test_max_line_length);
    PART("disconnect", test_disconnect_statuses);
    PART("pause", test_pause_process);
    PART("lists", test_client_lists);
    PART("maxconn", test_max_connections);
    PART("ipv6", test_ipv6);
    PART("reuseport", test_reuse_port);
    PART("idle", test_idle_timeouts);
    EXPECT_INT(tt_cb_max_depth, 1); /* callbacks never nested */
    return tt_exit("api_events");
}
