/*
 * api_ws.c — WSServer through the C API: defaults, misuse, and one WebSocket
 * opened by a raw client on 127.0.0.1 (the WebSocketOpenRequest fields and its
 * writable SubProtocols / ResponseHeaders, a pipelined first frame, DataIn,
 * SendText, Ping, the close handshake and its code in Disconnected).
 * (docs/API.md §1, §8; docs/reference/wsserver.md.)
 */
#include "test_util.h"

#define WS_OK(h, call)                                                          \
    do {                                                                        \
        int rc_ = (call);                                                       \
        if (rc_ != 0) TU_FAIL("%s returned %d: %s", #call, rc_, pier_wsserver_get_last_error(h)); \
    } while (0)

#define WS_PUMP_UNTIL(h, ms, cond)                                              \
    do {                                                                        \
        long long d_ = tu_now_ms() + tu_ms(ms);                                 \
        while (!(cond)) {                                                       \
            if (tu_now_ms() >= d_) TU_FAIL("timed out waiting for %s", #cond);  \
            WS_OK(h, pier_wsserver_do_doevents(h));                             \
        }                                                                       \
    } while (0)

struct seen {
    int open_requests, connected, datain, pings, disconnected, logs;
    int cid, data_format, eom, disconnect_code;
    char text[64], uri[64], host[64], origin[64], uri_prop[64];
};

static const char *CHOSEN = "chat"; /* static: must outlive the callback */
static const char *EXTRA = "X-Test: 1";

static int on_event(void *handle, int event_id, void *params, void *user_data) {
    pier_wsserver *h = (pier_wsserver *)handle;
    struct seen *s = (struct seen *)user_data;
    switch (event_id) {
    case PIER_WSSERVER_EVENT_WEBSOCKETOPENREQUEST: {
        pier_wsserver_websocketopenrequest_params *p = (pier_wsserver_websocketopenrequest_params *)params;
        s->open_requests++;
        s->cid = p->connection_id;
        snprintf(s->uri, sizeof s->uri, "%s", p->request_uri);
        snprintf(s->host, sizeof s->host, "%s", p->host_header);
        snprintf(s->origin, sizeof s->origin, "%s", p->origin_header);
        CHECK_STR(p->sub_protocols, "chat, other");
        CHECK(strstr(p->request_headers, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==") != NULL);
        CHECK_INT(p->status_code, 101);
        p->sub_protocols = CHOSEN;
        p->response_headers = EXTRA;
        break;
    }
    case PIER_WSSERVER_EVENT_CONNECTED: {
        pier_wsserver_connected_params *p = (pier_wsserver_connected_params *)params;
        CHECK_INT(p->connection_id, s->cid);
        const char *uri = (const char *)pier_wsserver_get(h, PIER_WSSERVER_PROP_CONNREQUESTURI, p->connection_id, NULL);
        CHECK(uri != NULL);
        snprintf(s->uri_prop, sizeof s->uri_prop, "%s", uri);
        s->connected++;
        break;
    }
    case PIER_WSSERVER_EVENT_DATAIN: {
        pier_wsserver_datain_params *p = (pier_wsserver_datain_params *)params;
        CHECK(p->text_len < (int)sizeof s->text);
        CHECK_INT(p->text[p->text_len], 0);
        memcpy(s->text, p->text, (size_t)p->text_len);
        s->text[p->text_len] = 0;
        s->data_format = p->data_format;
        s->eom = p->eom;
        s->datain++;
        WS_OK(h, pier_wsserver_do_sendtext(h, p->connection_id, s->text));
        WS_OK(h, pier_wsserver_do_ping(h, p->connection_id));
        CHECK_ERR(pier_wsserver_do_doevents(h), PIER_ERR_REENTRANT);
        break;
    }
    case PIER_WSSERVER_EVENT_PING: {
        pier_wsserver_ping_params *p = (pier_wsserver_ping_params *)params;
        if (p->response) s->pings++;
        break;
    }
    case PIER_WSSERVER_EVENT_DISCONNECTED: {
        pier_wsserver_disconnected_params *p = (pier_wsserver_disconnected_params *)params;
        CHECK_INT(p->connection_id, s->cid);
        s->disconnect_code = p->status_code;
        s->disconnected++;
        break;
    }
    case PIER_WSSERVER_EVENT_LOG:
        s->logs++;
        break;
    }
    return 0;
}

/* Reads from the client socket until `n` bytes or the timeout. */
static int recv_some(int fd, char *buf, int cap, int want) {
    int got = 0;
    while (got < want) {
        int k = tu_recv_raw(fd, buf + got, (size_t)(cap - got), tu_ms(5000));
        if (k <= 0) break;
        got += k;
    }
    return got;
}

int main(void) {
    CHECK_ERR(pier_wsserver_do_doevents(NULL), PIER_ERR_INVALID_HANDLE);
    CHECK_INT(pier_wsserver_close(NULL), 0);

    pier_wsserver *h = pier_wsserver_open();
    CHECK(h != NULL);
    /* Defaults from the reference. */
    CHECK_INT(pier_wsserver_get_int(h, PIER_WSSERVER_PROP_CONNCOUNT, 0), 0);
    CHECK_INT(pier_wsserver_get_int(h, PIER_WSSERVER_PROP_USESSL, 0), 0);
    CHECK_INT(pier_wsserver_get_int(h, PIER_WSSERVER_PROP_DEFAULTTIMEOUT, 0), 0);
    CHECK_STR(pier_wsserver_do_config(h, "DisconnectStatusCode"), "1000");
    CHECK_STR(pier_wsserver_do_config(h, "EnablePermessageDeflate"), "True");
    CHECK_STR(pier_wsserver_do_config(h, "MaxFrameSize"), "131072");
    CHECK_STR(pier_wsserver_do_config(h, "WaitForCloseResponse"), "True");
    CHECK_STR(pier_wsserver_do_config(h, "BufferMessage"), "False");
    CHECK_STR(pier_wsserver_do_config(h, "MaxConnections"), "1000");
    /* Misuse. */
    CHECK(pier_wsserver_do_config(h, "DisconnectStatusCode=1005") == NULL);
    CHECK_INT(pier_wsserver_get_last_error_code(h), PIER_ERR_INVALID_VALUE);
    CHECK(pier_wsserver_do_config(h, "NoSuchSetting") == NULL);
    CHECK_INT(pier_wsserver_get_last_error_code(h), PIER_ERR_UNKNOWN_SETTING);
    CHECK_ERR(pier_wsserver_set_int(h, 9999, 0, 1), PIER_ERR_UNKNOWN_PROPERTY);
    CHECK_ERR(pier_wsserver_set_int(h, PIER_WSSERVER_PROP_CONNCOUNT, 0, 1), PIER_ERR_READ_ONLY);
    CHECK_ERR(pier_wsserver_set_int(h, PIER_WSSERVER_PROP_CONNDATAFORMAT, 42, 1), PIER_ERR_INVALID_CONNECTION);
    CHECK(pier_wsserver_get(h, PIER_WSSERVER_PROP_CONNCONNECTIONID, 0, NULL) == NULL);
    CHECK_INT(pier_wsserver_get_last_error_code(h), PIER_ERR_INDEX);
    CHECK_ERR(pier_wsserver_do_sendtext(h, 42, "x"), PIER_ERR_INVALID_CONNECTION);
    CHECK_ERR(pier_wsserver_register_callback(h, 99, on_event, NULL), PIER_ERR_UNKNOWN_EVENT);

    struct seen s;
    memset(&s, 0, sizeof s);
    for (int e = PIER_WSSERVER_EVENT_CONNECTED; e <= PIER_WSSERVER_EVENT_WEBSOCKETOPENREQUEST; e++)
        WS_OK(h, pier_wsserver_register_callback(h, e, on_event, &s));
    WS_OK(h, pier_wsserver_set(h, PIER_WSSERVER_PROP_LOCALHOST, 0, "127.0.0.1", -1));
    WS_OK(h, pier_wsserver_do_startlistening(h));
    int port = (int)pier_wsserver_get_int(h, PIER_WSSERVER_PROP_LOCALPORT, 0);
    CHECK(port > 0);

    /* The opening request with a masked "hello" right behind it. */
    int fd = tu_connect(port);
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET /c?x=1 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                     "Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, other\r\n\r\n",
                     port);
    const unsigned char mask[4] = {1, 2, 3, 4};
    unsigned char frame[11] = {0x81, 0x80 | 5, 1, 2, 3, 4};
    for (int i = 0; i < 5; i++) frame[6 + i] = (unsigned char)("hello"[i] ^ mask[i % 4]);
    memcpy(req + n, frame, sizeof frame);
    tu_send_all(fd, req, (size_t)n + sizeof frame);

    WS_PUMP_UNTIL(h, 5000, s.datain == 1);
    CHECK_INT(s.open_requests, 1);
    CHECK_INT(s.connected, 1);
    CHECK_STR(s.uri, "/c?x=1");
    CHECK_STR(s.uri_prop, "/c?x=1");
    CHECK_STR(s.origin, "http://example.com");
    CHECK_STR(s.text, "hello");
    CHECK_INT(s.data_format, 1);
    CHECK_INT(s.eom, 1);
    CHECK(s.logs > 0); /* LogLevel 1 (Info) by default */
    CHECK_STR((const char *)pier_wsserver_get(h, PIER_WSSERVER_PROP_CONNORIGIN, s.cid, NULL), "http://example.com");
    CHECK_STR((const char *)pier_wsserver_get(h, PIER_WSSERVER_PROP_CONNSUBPROTOCOLS, s.cid, NULL), "chat, other");
    CHECK_INT(pier_wsserver_get_int(h, PIER_WSSERVER_PROP_CONNCOUNT, 0), 1);

    /* The 101 with the chosen protocol and the extra header, the echo, a Ping. */
    char buf[2048];
    WS_PUMP_UNTIL(h, 100, 1);
    int got = recv_some(fd, buf, (int)sizeof buf - 1, 1);
    CHECK(got > 0);
    buf[got] = 0;
    char *end = strstr(buf, "\r\n\r\n");
    while (!end && got < (int)sizeof buf - 1) {
        got += recv_some(fd, buf + got, (int)sizeof buf - 1 - got, 1);
        buf[got] = 0;
        end = strstr(buf, "\r\n\r\n");
    }
    CHECK(end != NULL);
    CHECK(strncmp(buf, "HTTP/1.1 101 ", 13) == 0);
    CHECK(strstr(buf, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != NULL);
    CHECK(strstr(buf, "Sec-WebSocket-Protocol: chat\r\n") != NULL);
    CHECK(strstr(buf, "X-Test: 1\r\n") != NULL);
    int off = (int)(end + 4 - buf);
    while (got - off < 7 + 2 + 8) got += recv_some(fd, buf + got, (int)sizeof buf - got, 1);
    CHECK_INT((unsigned char)buf[off], 0x81); /* text, FIN, unmasked */
    CHECK_INT(buf[off + 1], 5);
    CHECK(memcmp(buf + off + 2, "hello", 5) == 0);
    CHECK_INT((unsigned char)buf[off + 7], 0x89); /* the Ping */
    CHECK_INT(buf[off + 8], 8);

    /* Answer the Ping (Pong with its payload), then close with 1000. */
    unsigned char pong[14] = {0x8A, 0x80 | 8, 1, 2, 3, 4};
    for (int i = 0; i < 8; i++) pong[6 + i] = (unsigned char)(buf[off + 9 + i] ^ mask[i % 4]);
    tu_send_all(fd, pong, sizeof pong);
    WS_PUMP_UNTIL(h, 5000, s.pings == 1);
    unsigned char close_frame[8] = {0x88, 0x80 | 2, 1, 2, 3, 4, 0x03 ^ 1, 0xE8 ^ 2};
    tu_send_all(fd, close_frame, sizeof close_frame);
    WS_PUMP_UNTIL(h, 5000, s.disconnected == 1);
    CHECK_INT(s.disconnect_code, 1000);
    got = recv_some(fd, buf, (int)sizeof buf, 4);
    CHECK(got >= 4);
    CHECK_INT((unsigned char)buf[0], 0x88); /* our Close echoes 1000 */
    CHECK_INT((unsigned char)buf[2], 0x03);
    CHECK_INT((unsigned char)buf[3], 0xE8);
    close(fd);

    CHECK_INT(pier_wsserver_close(h), 0);
    CHECK_INT(pier_wsserver_close(h), PIER_ERR_INVALID_HANDLE);
    printf("api_ws: ok\n");
    return 0;
}
