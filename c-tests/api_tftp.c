/*
 * api_tftp.c — the TFTPServer C API as a C user sees it: misuse of handles
 * and ids, properties and defaults of the reference, config settings, and
 * the events of a download served from ConnFileData and of an upload
 * received through the Transfer event's Text, driven by a minimal TFTP
 * client written here (RFC 1350). (docs/API.md §1–§8, docs/TFTP.md.)
 */
#include "test_util.h"

#define TCHECK_OK(h, call)                                                      \
    do {                                                                        \
        int tu_rc_ = (call);                                                    \
        if (tu_rc_ != 0)                                                        \
            TU_FAIL("%s returned %d: %s", #call, tu_rc_,                        \
                    pier_tftpserver_get_last_error(h));                         \
    } while (0)

/* PUMP_UNTIL_T(h, ms, cond): DoEvents until the expression holds; fail on timeout. */
#define PUMP_UNTIL_T(h, ms, cond)                                               \
    do {                                                                        \
        long long tu_deadline_ = tu_now_ms() + tu_ms(ms);                       \
        while (!(cond)) {                                                       \
            if (tu_now_ms() >= tu_deadline_)                                    \
                TU_FAIL("timed out after %d ms waiting for %s", tu_ms(ms), #cond); \
            TCHECK_OK(h, pier_tftpserver_do_doevents(h));                       \
        }                                                                       \
    } while (0)

/* ------------------------------------------------------------ the client */

static int udp_client(void) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) TU_FAIL("socket: %s", strerror(errno));
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) TU_FAIL("bind: %s", strerror(errno));
    return fd;
}

static void send_to_port(int fd, const void *d, size_t n, int port) {
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (sendto(fd, d, n, 0, (struct sockaddr *)&sa, sizeof sa) != (ssize_t)n)
        TU_FAIL("sendto: %s", strerror(errno));
}

/* Pumps the server until a datagram arrives for the client; returns its
 * length and the sender's port. */
static int recv_pumping(pier_tftpserver *h, int fd, unsigned char *buf, size_t cap, int *from_port) {
    long long deadline = tu_now_ms() + tu_ms(10000);
    for (;;) {
        struct pollfd pfd;
        pfd.fd = fd;
        pfd.events = POLLIN;
        pfd.revents = 0;
        if (poll(&pfd, 1, 0) == 1) {
            struct sockaddr_in from;
            socklen_t fl = sizeof from;
            ssize_t n = recvfrom(fd, buf, cap, 0, (struct sockaddr *)&from, &fl);
            if (n < 0) TU_FAIL("recvfrom: %s", strerror(errno));
            *from_port = ntohs(from.sin_port);
            return (int)n;
        }
        if (tu_now_ms() > deadline) TU_FAIL("no datagram from the server within %d ms", tu_ms(10000));
        TCHECK_OK(h, pier_tftpserver_do_doevents(h));
    }
}

static size_t make_request(unsigned char *buf, int opcode, const char *name, const char *mode) {
    size_t n = 0;
    buf[n++] = 0;
    buf[n++] = (unsigned char)opcode;
    memcpy(buf + n, name, strlen(name) + 1);
    n += strlen(name) + 1;
    memcpy(buf + n, mode, strlen(mode) + 1);
    n += strlen(mode) + 1;
    return n;
}

static unsigned block_of(const unsigned char *p) { return ((unsigned)p[2] << 8) | p[3]; }

/* ------------------------------------------------------------ the events */

#define MAX_EVENTS 64

struct seen {
    int order[MAX_EVENTS];
    int count;
    int cid;
    int refuse;
    int disconnected_status;
    int end_direction, start_direction;
    long long last_bytes;
    int last_percent;
    unsigned char got[4096];
    int got_len;
    const unsigned char *serve;
    int serve_len;
    char filename[64];
    int operation;
    int errors;
    int readable_in_disconnected;
};

static void note(struct seen *s, int id) {
    if (s->count < MAX_EVENTS) s->order[s->count++] = id;
}

static int on_request(void *handle, int event_id, void *params, void *ud) {
    struct seen *s = (struct seen *)ud;
    pier_tftpserver_connectionrequest_params *p = (pier_tftpserver_connectionrequest_params *)params;
    (void)handle;
    CHECK_INT(event_id, PIER_TFTPSERVER_EVENT_CONNECTIONREQUEST);
    CHECK_STR(p->remote_host, "127.0.0.1");
    CHECK(p->remote_port > 0);
    CHECK_STR(p->transfer_mode, "octet");
    CHECK(p->accept);
    snprintf(s->filename, sizeof s->filename, "%s", p->filename);
    s->operation = p->operation;
    if (s->refuse) p->accept = false;
    note(s, event_id);
    return 0;
}

static int on_connected(void *handle, int event_id, void *params, void *ud) {
    struct seen *s = (struct seen *)ud;
    pier_tftpserver *h = (pier_tftpserver *)handle;
    pier_tftpserver_connected_params *p = (pier_tftpserver_connected_params *)params;
    CHECK(p->connection_id > 0);
    CHECK_INT(p->status_code, 0);
    CHECK_STR(p->description, "OK");
    s->cid = p->connection_id;
    CHECK_INT(pier_tftpserver_get_int(h, PIER_TFTPSERVER_PROP_CONNCOUNT, 0), 1);
    int len = -1;
    const char *id = (const char *)pier_tftpserver_get(h, PIER_TFTPSERVER_PROP_CONNCONNECTIONID, 0, &len);
    CHECK(id != NULL);
    CHECK_INT(atoi(id), p->connection_id);
    CHECK_STR((const char *)pier_tftpserver_get(h, PIER_TFTPSERVER_PROP_CONNREMOTEHOST, p->connection_id, NULL),
              "127.0.0.1");
    CHECK(pier_tftpserver_get_int(h, PIER_TFTPSERVER_PROP_CONNREMOTEPORT, p->connection_id) > 0);
    CHECK_STR((const char *)pier_tftpserver_get(h, PIER_TFTPSERVER_PROP_CONNFILENAME, p->connection_id, NULL),
              s->filename);
    if (s->serve)
        TCHECK_OK(h, pier_tftpserver_set(h, PIER_TFTPSERVER_PROP_CONNFILEDATA, p->connection_id, s->serve,
                                         s->serve_len));
    /* A nested DoEvents is refused. */
    CHECK_ERR(pier_tftpserver_do_doevents(h), PIER_ERR_REENTRANT);
    note(s, event_id);
    return 0;
}

static int on_start(void *handle, int event_id, void *params, void *ud) {
    struct seen *s = (struct seen *)ud;
    pier_tftpserver_starttransfer_params *p = (pier_tftpserver_starttransfer_params *)params;
    (void)handle;
    CHECK_INT(p->connection_id, s->cid);
    s->start_direction = p->direction;
    note(s, event_id);
    return 0;
}

static int on_transfer(void *handle, int event_id, void *params, void *ud) {
    struct seen *s = (struct seen *)ud;
    pier_tftpserver_transfer_params *p = (pier_tftpserver_transfer_params *)params;
    (void)handle;
    CHECK_INT(p->connection_id, s->cid);
    CHECK(p->text_len >= 0 && s->got_len + p->text_len <= (int)sizeof s->got);
    CHECK_INT(p->text[p->text_len], 0);
    memcpy(s->got + s->got_len, p->text, (size_t)p->text_len);
    s->got_len += p->text_len;
    s->last_bytes = p->bytes_transferred;
    s->last_percent = p->percent_done;
    if (s->count == 0 || s->order[s->count - 1] != event_id) note(s, event_id);
    return 0;
}

static int on_end(void *handle, int event_id, void *params, void *ud) {
    struct seen *s = (struct seen *)ud;
    pier_tftpserver_endtransfer_params *p = (pier_tftpserver_endtransfer_params *)params;
    (void)handle;
    CHECK_INT(p->connection_id, s->cid);
    s->end_direction = p->direction;
    note(s, event_id);
    return 0;
}

static int on_error(void *handle, int event_id, void *params, void *ud) {
    struct seen *s = (struct seen *)ud;
    pier_tftpserver_error_params *p = (pier_tftpserver_error_params *)params;
    (void)handle;
    CHECK(p->error_code != 0);
    CHECK(p->description != NULL);
    s->errors++;
    note(s, event_id);
    return 0;
}

static int on_disconnected(void *handle, int event_id, void *params, void *ud) {
    struct seen *s = (struct seen *)ud;
    pier_tftpserver *h = (pier_tftpserver *)handle;
    pier_tftpserver_disconnected_params *p = (pier_tftpserver_disconnected_params *)params;
    CHECK_INT(p->connection_id, s->cid);
    CHECK(p->description != NULL);
    s->disconnected_status = p->status_code;
    /* Still readable inside Disconnected. */
    const char *fn = (const char *)pier_tftpserver_get(h, PIER_TFTPSERVER_PROP_CONNFILENAME, p->connection_id, NULL);
    s->readable_in_disconnected = fn != NULL && strcmp(fn, s->filename) == 0;
    note(s, event_id);
    return 0;
}

static int on_log(void *handle, int event_id, void *params, void *ud) {
    pier_tftpserver_log_params *p = (pier_tftpserver_log_params *)params;
    (void)handle;
    (void)ud;
    CHECK_INT(event_id, PIER_TFTPSERVER_EVENT_LOG);
    CHECK(p->log_level >= 1 && p->log_level <= 3);
    CHECK(p->message != NULL && p->log_type != NULL);
    return 0;
}

static void register_all(pier_tftpserver *h, struct seen *s) {
    TCHECK_OK(h, pier_tftpserver_register_callback(h, PIER_TFTPSERVER_EVENT_CONNECTIONREQUEST, on_request, s));
    TCHECK_OK(h, pier_tftpserver_register_callback(h, PIER_TFTPSERVER_EVENT_CONNECTED, on_connected, s));
    TCHECK_OK(h, pier_tftpserver_register_callback(h, PIER_TFTPSERVER_EVENT_STARTTRANSFER, on_start, s));
    TCHECK_OK(h, pier_tftpserver_register_callback(h, PIER_TFTPSERVER_EVENT_TRANSFER, on_transfer, s));
    TCHECK_OK(h, pier_tftpserver_register_callback(h, PIER_TFTPSERVER_EVENT_ENDTRANSFER, on_end, s));
    TCHECK_OK(h, pier_tftpserver_register_callback(h, PIER_TFTPSERVER_EVENT_ERROR, on_error, s));
    TCHECK_OK(h, pier_tftpserver_register_callback(h, PIER_TFTPSERVER_EVENT_DISCONNECTED, on_disconnected, s));
    TCHECK_OK(h, pier_tftpserver_register_callback(h, PIER_TFTPSERVER_EVENT_LOG, on_log, s));
}

static int listen_any(pier_tftpserver *h) {
    TCHECK_OK(h, pier_tftpserver_set(h, PIER_TFTPSERVER_PROP_LOCALHOST, 0, "127.0.0.1", -1));
    TCHECK_OK(h, pier_tftpserver_set_int(h, PIER_TFTPSERVER_PROP_LOCALPORT, 0, 0));
    TCHECK_OK(h, pier_tftpserver_do_startlistening(h));
    int port = (int)pier_tftpserver_get_int(h, PIER_TFTPSERVER_PROP_LOCALPORT, 0);
    CHECK(port > 0 && port < 65536);
    return port;
}

/* ------------------------------------------------------------- the tests */

static void misuse_and_defaults(void) {
    CHECK_INT(pier_tftpserver_close(NULL), 0);
    CHECK_ERR(pier_tftpserver_do_doevents(NULL), PIER_ERR_INVALID_HANDLE);
    CHECK_ERR(pier_tftpserver_do_startlistening(NULL), PIER_ERR_INVALID_HANDLE);
    CHECK_INT(pier_tftpserver_get_last_error_code(NULL), PIER_ERR_INVALID_HANDLE);
    CHECK(pier_tftpserver_do_config(NULL, "LogLevel") == NULL);

    pier_tftpserver *h = pier_tftpserver_open();
    CHECK(h != NULL);
    /* A TCPServer function on a TFTPServer handle: not its handle. */
    CHECK_ERR(pier_tcpserver_do_doevents((pier_tcpserver *)(void *)h), PIER_ERR_INVALID_HANDLE);

    CHECK_INT(pier_tftpserver_get_int(h, PIER_TFTPSERVER_PROP_LOCALPORT, 0), 69);
    CHECK_INT(pier_tftpserver_get_int(h, PIER_TFTPSERVER_PROP_MAXRETRANSMITS, 0), 3);
    CHECK_INT(pier_tftpserver_get_int(h, PIER_TFTPSERVER_PROP_RETRANSMITTIMEOUT, 0), 5);
    CHECK_INT(pier_tftpserver_get_int(h, PIER_TFTPSERVER_PROP_TIMEOUT, 0), 60);
    CHECK_INT(pier_tftpserver_get_int(h, PIER_TFTPSERVER_PROP_LISTENING, 0), 0);
    CHECK_INT(pier_tftpserver_get_int(h, PIER_TFTPSERVER_PROP_CONNCOUNT, 0), 0);
    int len = -1;
    const char *v = (const char *)pier_tftpserver_get(h, PIER_TFTPSERVER_PROP_LOCALDIR, 0, &len);
    CHECK(v != NULL);
    CHECK_INT(len, 0);
    CHECK_STR((const char *)pier_tftpserver_get(h, PIER_TFTPSERVER_PROP_LISTENING, 0, NULL), "False");

    /* Unknown ids, the gaps of the reference's numbering, wrong types, read-only. */
    CHECK_ERR(pier_tftpserver_set_int(h, 3, 0, 1), PIER_ERR_UNKNOWN_PROPERTY);
    CHECK_ERR(pier_tftpserver_set_int(h, 10, 0, 1), PIER_ERR_UNKNOWN_PROPERTY);
    CHECK(pier_tftpserver_get(h, 18, 0, NULL) == NULL);
    CHECK_INT(pier_tftpserver_get_last_error_code(h), PIER_ERR_UNKNOWN_PROPERTY);
    CHECK_ERR(pier_tftpserver_register_callback(h, 9, on_log, NULL), PIER_ERR_UNKNOWN_EVENT);
    CHECK_ERR(pier_tftpserver_set_int(h, PIER_TFTPSERVER_PROP_LOCALDIR, 0, 1), PIER_ERR_WRONG_TYPE);
    CHECK_ERR(pier_tftpserver_set_int(h, PIER_TFTPSERVER_PROP_CONNCOUNT, 0, 1), PIER_ERR_READ_ONLY);
    CHECK_ERR(pier_tftpserver_set(h, PIER_TFTPSERVER_PROP_CONNFILENAME, 1, "x", -1), PIER_ERR_READ_ONLY);
    CHECK_ERR(pier_tftpserver_set(h, PIER_TFTPSERVER_PROP_LOCALPORT, 0, "port", -1), PIER_ERR_INVALID_VALUE);
    CHECK_ERR(pier_tftpserver_set(h, PIER_TFTPSERVER_PROP_LOCALPORT, 0, NULL, 3), PIER_ERR_NULL_ARGUMENT);
    CHECK_INT(pier_tftpserver_get_int(h, PIER_TFTPSERVER_PROP_LOCALPORT, 0), 69);
    CHECK_ERR(pier_tftpserver_set(h, PIER_TFTPSERVER_PROP_CONNFILEDATA, 1, "x", 1), PIER_ERR_INVALID_CONNECTION);
    CHECK(pier_tftpserver_get(h, PIER_TFTPSERVER_PROP_CONNCONNECTIONID, 0, NULL) == NULL);
    CHECK_INT(pier_tftpserver_get_last_error_code(h), PIER_ERR_INDEX);
    TCHECK_OK(h, pier_tftpserver_set(h, PIER_TFTPSERVER_PROP_RETRANSMITTIMEOUT, 0, " 2 ", -1));
    CHECK_INT(pier_tftpserver_get_int(h, PIER_TFTPSERVER_PROP_RETRANSMITTIMEOUT, 0), 2);
    CHECK_INT(pier_tftpserver_get_last_error_code(h), 0);

    /* Config settings. */
    CHECK_STR(pier_tftpserver_do_config(h, "DefaultRollOverNumber"), "0");
    CHECK_STR(pier_tftpserver_do_config(h, "DefaultRollOverNumber=1"), "");
    CHECK_STR(pier_tftpserver_do_config(h, "defaultrollovernumber"), "1");
    CHECK_STR(pier_tftpserver_do_config(h, "MaxPacketSize"), "65468");
    CHECK_STR(pier_tftpserver_do_config(h, "SelectWaitMillis"), "20");
    CHECK(pier_tftpserver_do_config(h, "NoSuchSetting") == NULL);
    CHECK_INT(pier_tftpserver_get_last_error_code(h), PIER_ERR_UNKNOWN_SETTING);
    CHECK(pier_tftpserver_do_config(h, "SourceIPAddress=10.1.1.1") == NULL);
    CHECK_INT(pier_tftpserver_get_last_error_code(h), PIER_ERR_NOT_SUPPORTED);
    CHECK(pier_tftpserver_do_config(h, NULL) == NULL);
    CHECK_INT(pier_tftpserver_get_last_error_code(h), PIER_ERR_NULL_ARGUMENT);
    CHECK(strncmp(pier_tftpserver_do_config(h, "BuildInfo"), "pier ", 5) == 0);

    /* Errors of the UDP section while listening. */
    listen_any(h);
    CHECK_ERR(pier_tftpserver_do_startlistening(h), 104);
    CHECK_ERR(pier_tftpserver_set_int(h, PIER_TFTPSERVER_PROP_LOCALPORT, 0, 0), 106);
    CHECK_ERR(pier_tftpserver_set(h, PIER_TFTPSERVER_PROP_LOCALHOST, 0, "", 0), 107);
    CHECK(pier_tftpserver_do_config(h, "MaxPacketSize=1000") == NULL);
    CHECK_INT(pier_tftpserver_get_last_error_code(h), 112);
    CHECK_INT(pier_tftpserver_get_int(h, PIER_TFTPSERVER_PROP_LISTENING, 0), 1);
    CHECK(pier_tftpserver_get_pollfd(h) >= 0);
    TCHECK_OK(h, pier_tftpserver_do_stoplistening(h));
    CHECK_INT(pier_tftpserver_get_int(h, PIER_TFTPSERVER_PROP_LISTENING, 0), 0);

    CHECK_INT(pier_tftpserver_close(h), 0);
    CHECK_ERR(pier_tftpserver_close(h), PIER_ERR_INVALID_HANDLE);
    CHECK_ERR(pier_tftpserver_do_doevents(h), PIER_ERR_INVALID_HANDLE);
}

static const unsigned char SERVED[] =
    "pier serves this text from ConnFileData: it is longer than one block of 512 bytes, so the "
    "transfer takes two DATA packets and two ACKs. ............................................."
    "..........................................................................................."
    "..........................................................................................."
    "..........................................................................................."
    "..........................................................................................."
    "The end.";

static void download_from_conn_file_data(void) {
    pier_tftpserver *h = pier_tftpserver_open();
    CHECK(h != NULL);
    struct seen s;
    memset(&s, 0, sizeof s);
    s.serve = SERVED;
    s.serve_len = (int)sizeof SERVED - 1;
    CHECK(s.serve_len > 512 && s.serve_len < 1024);
    register_all(h, &s);
    int port = listen_any(h);

    int fd = udp_client();
    unsigned char buf[1024];
    size_t n = make_request(buf, 1, "boot/pxelinux.0", "octet");
    send_to_port(fd, buf, n, port);
    unsigned char got[2048];
    int got_len = 0, tid = 0, from = 0;
    for (unsigned want = 1;; want++) {
        int k = recv_pumping(h, fd, buf, sizeof buf, &from);
        if (tid == 0) tid = from;
        CHECK_INT(from, tid);
        CHECK(tid != port); /* its own TID */
        CHECK(k >= 4);
        CHECK_INT(buf[1], 3);
        CHECK_INT(block_of(buf), want);
        memcpy(got + got_len, buf + 4, (size_t)(k - 4));
        got_len += k - 4;
        unsigned char a[4] = {0, 4, buf[2], buf[3]};
        send_to_port(fd, a, 4, tid);
        if (k - 4 < 512) break;
    }
    PUMP_UNTIL_T(h, 10000, s.disconnected_status == 0 && s.count > 0 && s.order[s.count - 1] == 3);
    CHECK_INT(got_len, s.serve_len);
    CHECK_MEM(got, SERVED, got_len);
    CHECK_STR(s.filename, "boot/pxelinux.0");
    CHECK_INT(s.operation, PIER_TFTPSERVER_OPERATION_READ);
    int want_order[] = {2, 1, 7, 8, 4, 3};
    CHECK_INT(s.count, 6);
    for (int i = 0; i < 6; i++) CHECK_INT(s.order[i], want_order[i]);
    CHECK_INT(s.start_direction, PIER_TFTPSERVER_DIRECTION_SERVER);
    CHECK_INT(s.end_direction, PIER_TFTPSERVER_DIRECTION_SERVER);
    CHECK_INT(s.got_len, s.serve_len);
    CHECK_MEM(s.got, SERVED, s.got_len);
    CHECK_INT(s.last_bytes, s.serve_len);
    CHECK_INT(s.last_percent, 100);
    CHECK(s.readable_in_disconnected);
    CHECK_INT(s.errors, 0);
    /* After Disconnected the id is gone. */
    CHECK(pier_tftpserver_get(h, PIER_TFTPSERVER_PROP_CONNFILENAME, s.cid, NULL) == NULL);
    CHECK_INT(pier_tftpserver_get_last_error_code(h), 126);
    close(fd);
    CHECK_INT(pier_tftpserver_close(h), 0);
}

static void upload_through_transfer_text(void) {
    pier_tftpserver *h = pier_tftpserver_open();
    CHECK(h != NULL);
    struct seen s;
    memset(&s, 0, sizeof s);
    register_all(h, &s);
    int port = listen_any(h);

    int fd = udp_client();
    unsigned char buf[1024];
    size_t n = make_request(buf, 2, "upload.txt", "octet");
    send_to_port(fd, buf, n, port);
    int tid = 0;
    int k = recv_pumping(h, fd, buf, sizeof buf, &tid);
    CHECK_INT(k, 4);
    CHECK_INT(buf[1], 4);
    CHECK_INT(block_of(buf), 0);
    const unsigned char *data = SERVED;
    int total = (int)sizeof SERVED - 1, off = 0;
    for (unsigned block = 1;; block++) {
        int chunk = total - off < 512 ? total - off : 512;
        unsigned char pkt[516] = {0, 3, (unsigned char)(block >> 8), (unsigned char)block};
        memcpy(pkt + 4, data + off, (size_t)chunk);
        send_to_port(fd, pkt, (size_t)chunk + 4, tid);
        int from = 0;
        k = recv_pumping(h, fd, buf, sizeof buf, &from);
        CHECK_INT(from, tid);
        CHECK_INT(k, 4);
        CHECK_INT(buf[1], 4);
        CHECK_INT(block_of(buf), block);
        off += chunk;
        if (chunk < 512) break;
    }
    PUMP_UNTIL_T(h, 10000, s.count > 0 && s.order[s.count - 1] == 3);
    CHECK_STR(s.filename, "upload.txt");
    CHECK_INT(s.operation, PIER_TFTPSERVER_OPERATION_WRITE);
    CHECK_INT(s.disconnected_status, 0);
    CHECK_INT(s.start_direction, PIER_TFTPSERVER_DIRECTION_CLIENT);
    CHECK_INT(s.end_direction, PIER_TFTPSERVER_DIRECTION_CLIENT);
    CHECK_INT(s.got_len, total);
    CHECK_MEM(s.got, SERVED, total);
    CHECK_INT(s.last_percent, -1); /* no tsize: unknown */

    /* A refused request: ERROR 2 from the server port, no connection. */
    memset(&s, 0, sizeof s);
    s.refuse = 1;
    n = make_request(buf, 1, "secret", "octet");
    send_to_port(fd, buf, n, port);
    int from = 0;
    k = recv_pumping(h, fd, buf, sizeof buf, &from);
    CHECK_INT(from, port);
    CHECK(k >= 5);
    CHECK_INT(buf[1], 5);
    CHECK_INT(block_of(buf), 2);
    CHECK_INT(s.count, 1);
    CHECK_INT(s.order[0], PIER_TFTPSERVER_EVENT_CONNECTIONREQUEST);

    /* No data source (no LocalDir, no ConnFileData): ERROR 1, Error, Disconnected 127. */
    memset(&s, 0, sizeof s);
    n = make_request(buf, 1, "nowhere", "octet");
    send_to_port(fd, buf, n, port);
    k = recv_pumping(h, fd, buf, sizeof buf, &from);
    CHECK_INT(buf[1], 5);
    CHECK_INT(block_of(buf), 1);
    PUMP_UNTIL_T(h, 10000, s.count > 0 && s.order[s.count - 1] == 3);
    CHECK_INT(s.errors, 1);
    CHECK_INT(s.disconnected_status, 127);
    close(fd);
    CHECK_INT(pier_tftpserver_close(h), 0);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    misuse_and_defaults();
    download_from_conn_file_data();
    upload_through_transfer_text();
    printf("api_tftp: ok\n");
    return 0;
}
