/*
 * cxx_ws.cpp — pier::WSServer through include/pier.hpp with a minimal
 * WebSocket client written here (RFC 6455 over a plain socket):
 *
 *  1. The opening handshake: WebSocketOpenRequest's views (request URI,
 *     Origin) and its writable sub_protocols (the wrapper keeps the copy
 *     until pier read it): the 101 carries the accept key and the chosen
 *     protocol; another request refused through the writable status_code
 *     (403, which its Disconnected carries).
 *  2. A masked text message echoed through send(cid, e.text()) in DataIn
 *     (data_format, eom), a broadcast to an id list, a Ping and the client's
 *     Pong (Ping event, response true), a Close 1000 (Disconnected 1000).
 *  3. Errors: LocalPort out of range (906), an unknown connection (126),
 *     thrown and through the error_code overloads.
 *
 * Registered as cxx_ws (labels api, cxx), also under valgrind and ASan+UBSan.
 */
#include "cxx_test.hpp"

#include <string>
#include <vector>

namespace {

const unsigned char mask[4] = {1, 2, 3, 4};

std::string masked_frame(unsigned char opcode, const std::string &payload) {
    std::string f;
    f += static_cast<char>(0x80 | opcode);
    f += static_cast<char>(0x80 | payload.size());  // < 126 here
    for (unsigned char m : mask) f += static_cast<char>(m);
    for (std::size_t i = 0; i < payload.size(); i++) f += static_cast<char>(payload[i] ^ mask[i % 4]);
    return f;
}

/* Reads from fd while pumping the server until `buf` holds n bytes past `from`. */
void read_until(pier::WSServer &s, int fd, std::string &buf, std::size_t n, const char *what) {
    long long deadline = tu_now_ms() + tu_ms(5000);
    char tmp[1024];
    while (buf.size() < n) {
        if (tu_now_ms() >= deadline) TU_FAIL("timed out reading %s (%zu of %zu bytes)", what, buf.size(), n);
        s.do_events();
        int k = tu_recv_raw(fd, tmp, sizeof tmp, 5);
        if (k > 0) buf.append(tmp, static_cast<std::size_t>(k));
        if (k == 0) TU_FAIL("EOF reading %s", what);
    }
}

std::string read_response(pier::WSServer &s, int fd, std::string &rest) {
    std::string buf;
    long long deadline = tu_now_ms() + tu_ms(5000);
    char tmp[1024];
    while (buf.find("\r\n\r\n") == std::string::npos) {
        if (tu_now_ms() >= deadline) TU_FAIL("no HTTP response: \"%s\"", buf.c_str());
        s.do_events();
        int k = tu_recv_raw(fd, tmp, sizeof tmp, 5);
        if (k > 0) buf.append(tmp, static_cast<std::size_t>(k));
        if (k == 0) break;
    }
    std::size_t end = buf.find("\r\n\r\n");
    if (end == std::string::npos) TU_FAIL("no HTTP response: \"%s\"", buf.c_str());
    rest = buf.substr(end + 4);
    return buf.substr(0, end + 4);
}

std::string open_request(int port, const char *uri) {
    return std::string("GET ") + uri + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
           "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
           "Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, other\r\n\r\n";
}

void test_errors() {
    pier::WSServer s;
    EXPECT_PIER_ERROR(s.set_local_port(65536), pier::errc::invalid_value);
    std::error_code ec;
    s.set_local_port(65536, ec);
    EXPECT_EC(ec, PIER_ERR_INVALID_VALUE);
    EXPECT_PIER_ERROR(s.send_text(42, "x"), pier::errc::invalid_connection);
    s.ping(42, ec);
    EXPECT_EC(ec, 126);
    CHECK(s.conn_remote_host(42, ec).empty());
    EXPECT_EC(ec, 126);
    printf("cxx_ws: errors ok\n");
}

void test_echo() {
    pier::WSServer s;
    struct Seen {
        int open_requests = 0, connected = 0, datain = 0, pongs = 0, disconnected = 0, status = -1, cid = 0;
        std::string uri, origin, text;
        int data_format = -1;
        bool eom = false;
    } seen;
    s.on_web_socket_open_request([&](pier::WSServer::WebSocketOpenRequestEvent &e) {
        seen.open_requests++;
        seen.uri = std::string(e.request_uri());
        seen.origin = std::string(e.origin_header());
        CHECK(e.sub_protocols() == "chat, other");
        CHECK_INT(e.status_code(), 101);
        if (e.request_uri() == "/refused") {
            e.set_status_code(403);
        } else {
            std::string chosen = "chat";
            e.set_sub_protocols(chosen);  // copied, kept until pier read it
        }
    });
    s.on_connected([&](pier::WSServer::ConnectedEvent &e) {
        seen.connected++;
        seen.cid = e.connection_id();
        s.set_conn_data_format(e.connection_id(), 1);  // send() then sends text messages
    });
    s.on_data_in([&](pier::WSServer::DataInEvent &e) {
        seen.datain++;
        seen.text = e.text().string();
        seen.data_format = e.data_format();
        seen.eom = e.eom();
        s.send(e.connection_id(), e.text());                 // ConnDataFormat 1: a text message
        s.broadcast({e.connection_id()}, 1, "to everyone");  // an id list, text
        s.ping(e.connection_id());
    });
    s.on_ping([&](pier::WSServer::PingEvent &e) {
        if (e.response()) seen.pongs++;
    });
    s.on_disconnected([&](pier::WSServer::DisconnectedEvent &e) {
        seen.disconnected++;
        seen.status = e.status_code();
    });
    s.set_local_host("127.0.0.1");
    s.set_local_port(0);
    s.start_listening();
    int port = static_cast<int>(s.local_port());

    // Refused with the status the handler wrote.
    int fd0 = tu_connect(port);
    tu_send_str(fd0, open_request(port, "/refused").c_str());
    std::string rest;
    std::string response = read_response(s, fd0, rest);
    if (response.compare(0, 13, "HTTP/1.1 403 ") != 0) TU_FAIL("refused with \"%s\"", response.c_str());
    close(fd0);
    PUMP(s, 5000, seen.disconnected == 1);
    CHECK_INT(seen.status, 403);  // Disconnected carries the HTTP status of the refusal
    CHECK_INT(seen.open_requests, 1);
    CHECK_INT(seen.connected, 0);

    // Accepted, with the protocol the handler chose; a masked "hello ws" right behind.
    int fd = tu_connect(port);
    std::string req = open_request(port, "/c?x=1") + masked_frame(0x1, "hello ws");
    tu_send_all(fd, req.data(), req.size());
    response = read_response(s, fd, rest);
    if (response.compare(0, 13, "HTTP/1.1 101 ") != 0) TU_FAIL("opened with \"%s\"", response.c_str());
    CHECK(response.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != std::string::npos);
    CHECK(response.find("Sec-WebSocket-Protocol: chat\r\n") != std::string::npos);
    CHECK(seen.uri == "/c?x=1");
    CHECK(seen.origin == "http://example.com");
    CHECK_INT(seen.connected, 1);
    CHECK(s.conn_request_uri(seen.cid) == "/c?x=1");
    CHECK(s.conn_origin(seen.cid) == "http://example.com");
    CHECK_INT(s.conn_count(), 1);
    CHECK_INT(s.conn_data_format(seen.cid), 1);

    // The echo, the broadcast, the Ping: 2+8, 2+11, 2+n bytes.
    read_until(s, fd, rest, 10 + 13 + 2, "the echo, the broadcast and the Ping");
    CHECK_INT(seen.datain, 1);
    CHECK(seen.text == "hello ws");
    CHECK_INT(seen.data_format, 1);
    CHECK(seen.eom);
    CHECK(rest.compare(0, 10, "\x81\x08hello ws") == 0);  // text, FIN, unmasked
    CHECK(rest.compare(10, 13, "\x81\x0bto everyone") == 0);
    CHECK_INT(static_cast<unsigned char>(rest[23]), 0x89);  // Ping, FIN, unmasked
    std::size_t ping_len = static_cast<unsigned char>(rest[24]);
    read_until(s, fd, rest, 25 + ping_len, "the Ping's payload");
    std::string pong = masked_frame(0xA, rest.substr(25, ping_len));
    tu_send_all(fd, pong.data(), pong.size());
    PUMP(s, 5000, seen.pongs == 1);

    // Close 1000: the server answers with its Close and Disconnected says 1000.
    std::string close_frame = masked_frame(0x8, std::string("\x03\xe8", 2));
    tu_send_all(fd, close_frame.data(), close_frame.size());
    PUMP(s, 5000, seen.disconnected == 2);
    CHECK_INT(seen.status, 1000);
    close(fd);
    CHECK(s.connection_ids().empty());
    printf("cxx_ws: echo ok\n");
}

}  // namespace

int main() {
    signal(SIGPIPE, SIG_IGN);
    test_errors();
    test_echo();
    printf("cxx_ws: ok\n");
    return 0;
}
