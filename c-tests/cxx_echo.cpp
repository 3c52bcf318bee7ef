/*
 * cxx_echo.cpp — pier::TCPServer (include/pier.hpp) as a C++ user sees it,
 * with a real socket client (test_util.h):
 *
 *  1. The error model: a bad property value throws pier::Error 906 with the
 *     handle's text, and its std::error_code overload sets the same code and
 *     throws nothing; a read-only property (907), an unknown setting (908),
 *     an unknown connection (126), do_events() from inside a handler (909);
 *     success clears the error_code.
 *  2. An echo of binary bytes (NULs, 0xff) through send(cid, e.text()), with
 *     Connected, ConnectionRequest, DataIn, Disconnected; per-connection
 *     properties; connection_ids(); no operator new on the receive path
 *     (counted by a replacement operator new).
 *  3. A handler's exception: rethrown by do_events(); reported as
 *     std::errc::operation_canceled by do_events(ec) and kept for
 *     take_handler_exception().
 *  4. Refusing a client (ConnectionRequest's writable accept), replacing a
 *     handler from inside itself, close() from inside a handler, destroying
 *     the server from inside its own handler, moves (the moved-from object
 *     fails with 901).
 *
 * Registered as cxx_echo (labels api, cxx), also under valgrind and ASan+UBSan.
 */
#include "cxx_test.hpp"

#include <cstdlib>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <vector>

/* ------------------------------------------------ counting operator new */

/* operator new counts its calls (the library's operator delete frees what
 * it malloc()ed). Not under ASan, whose operator delete would take a
 * malloc()ed block for a mismatch; valgrind replaces it with its own. In
 * both cases the count stays still and the no-allocation check is skipped. */
static unsigned long long g_news = 0;
#if defined(__SANITIZE_ADDRESS__)
#define CXX_COUNTING_NEW 0
#else
#define CXX_COUNTING_NEW 1
__attribute__((noinline)) void *operator new(std::size_t n) {
    g_news++;
    if (void *p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
#endif

static_assert(!std::is_copy_constructible_v<pier::TCPServer>, "move-only");
static_assert(!std::is_copy_assignable_v<pier::TCPServer>, "move-only");
static_assert(std::is_nothrow_move_constructible_v<pier::TCPServer>, "movable");
static_assert(std::is_nothrow_move_assignable_v<pier::TCPServer>, "movable");
static_assert(std::is_base_of_v<std::system_error, pier::Error>, "pier::Error is a system_error");

namespace {

int listen_local(pier::TCPServer &s) {
    s.set_local_host("127.0.0.1");
    s.set_local_port(0);
    s.start_listening();
    int port = static_cast<int>(s.local_port());
    CHECK(port > 0 && port < 65536);
    return port;
}

/* ------------------------------------------------------------- 1 errors */

void test_errors() {
    pier::TCPServer s;
    CHECK(s.is_open());
    CHECK(s.native_handle() != nullptr);
    CHECK(pier::version() == PIER_VERSION);
    CHECK(pier::category().name() == std::string("pier"));
    CHECK(pier::category().message(906) == pier_strerror(906));

    // A value out of range: thrown, with the code and the handle's text; the value is unchanged.
    s.set_local_port(4321);
    EXPECT_PIER_ERROR(s.set_local_port(70000), pier::errc::invalid_value);
    try {
        s.set_local_port(-5);
        TU_FAIL("set_local_port(-5) did not throw");
    } catch (const pier::Error &e) {
        CHECK_INT(e.code_value(), PIER_ERR_INVALID_VALUE);
        CHECK(e.code() == pier::errc::invalid_value);
        CHECK(&e.code().category() == &pier::category());
        CHECK(std::string(e.last_error()) == s.last_error());
        CHECK(std::string(e.what()).find(e.last_error()) != std::string::npos);
        CHECK_INT(s.last_error_code(), 906);
    }
    CHECK_INT(s.local_port(), 4321);

    // The error_code overloads: set, not thrown; cleared on success.
    std::error_code ec = std::make_error_code(std::errc::io_error);
    s.set_local_port(70000, ec);
    EXPECT_EC(ec, PIER_ERR_INVALID_VALUE);
    CHECK(ec == pier::errc::invalid_value);
    CHECK(ec.message() == pier_strerror(906));
    s.set_local_port(1234, ec);
    EXPECT_EC(ec, 0);
    CHECK_INT(s.local_port(ec), 1234);
    EXPECT_EC(ec, 0);

    // Text properties, the generic calls by id.
    s.set_default_eol("\r\n");
    CHECK(s.default_eol() == "\r\n");
    CHECK(s.get(pier::TCPServer::Prop::DefaultEOL) == "\r\n");
    CHECK_INT(s.get_int(pier::TCPServer::Prop::LocalPort), 1234);
    EXPECT_PIER_ERROR(s.set_int(pier::TCPServer::Prop::ConnectionCount, 0, 5), pier::errc::read_only);
    EXPECT_PIER_ERROR(s.get_int(pier::TCPServer::Prop::DefaultEOL), pier::errc::wrong_type);
    EXPECT_PIER_ERROR(s.get(9999), pier::errc::unknown_property);
    s.set_int(pier::TCPServer::Prop::ConnectionCount, 0, 5, ec);
    EXPECT_EC(ec, PIER_ERR_READ_ONLY);

    // Config.
    CHECK(s.config("MaxConnections=7").empty());
    CHECK(s.config("MaxConnections") == "7");
    EXPECT_PIER_ERROR(s.config("NoSuchSetting=1"), pier::errc::unknown_setting);
    CHECK(s.config(std::string("NoSuchSetting"), ec).empty());
    EXPECT_EC(ec, PIER_ERR_UNKNOWN_SETTING);

    // Per-connection ones with an id that is no connection.
    EXPECT_PIER_ERROR(s.remote_host(12345), pier::errc::invalid_connection);
    CHECK(s.remote_host(12345, ec).empty());
    EXPECT_EC(ec, 126);
    EXPECT_PIER_ERROR(s.send(12345, "x"), pier::errc::invalid_connection);
    s.send_line(12345, "x", ec);
    EXPECT_EC(ec, 126);
    CHECK(s.connection_ids().empty());

    // Listening twice: 104; LocalPort while listening: 106.
    listen_local(s);
    EXPECT_PIER_ERROR(s.start_listening(), pier::errc::already_listening);
    EXPECT_PIER_ERROR(s.set_local_port(0), pier::errc::localport_listening);
    CHECK(s.listening());
    CHECK(s.pollfd() >= 0);
    s.stop_listening();
    CHECK(!s.listening());

    // Closed: every call fails with 901; a second close does nothing.
    s.close();
    CHECK(!s.is_open());
    s.close();
    EXPECT_PIER_ERROR(s.local_port(), pier::errc::invalid_handle);
    EXPECT_PIER_ERROR(s.do_events(), pier::errc::invalid_handle);
    EXPECT_PIER_ERROR(s.on_data_in([](pier::TCPServer::DataInEvent &) {}), pier::errc::invalid_handle);
    s.do_events(ec);
    EXPECT_EC(ec, PIER_ERR_INVALID_HANDLE);
    printf("cxx_echo: errors ok\n");
}

/* --------------------------------------------------------------- 2 echo */

void test_echo() {
    pier::TCPServer s;
    struct Seen {
        int requests = 0, connected = 0, disconnected = 0, cid = 0, reentrant = 0;
        std::size_t bytes = 0;
        int status = -1;
    } seen;
    s.set_default_eol("");  // raw: bytes come back exactly as they arrived
    s.on_connection_request([&](pier::TCPServer::ConnectionRequestEvent &e) {
        seen.requests++;
        CHECK(e.address() == "127.0.0.1");
        CHECK(e.port() > 0);
        CHECK(e.accept());
    });
    s.on_connected([&](pier::TCPServer::ConnectedEvent &e) {
        seen.connected++;
        seen.cid = e.connection_id();
        CHECK_INT(e.status_code(), 0);
        CHECK(e.description() == "OK");
        CHECK(s.remote_host(e.connection_id()) == "127.0.0.1");
        CHECK(s.remote_port(e.connection_id()) > 0);
        CHECK(s.connected(e.connection_id()));
        // do_events() from inside a handler: 909, thrown and as an error_code.
        EXPECT_PIER_ERROR(s.do_events(), pier::errc::reentrant);
        std::error_code ec;
        s.do_events(ec);
        if (ec == pier::errc::reentrant) seen.reentrant++;
    });
    s.on_data_in([&](pier::TCPServer::DataInEvent &e) {
        seen.bytes += e.text().size();
        s.send(e.connection_id(), e.text());  // a view into pier's buffer, sent back
    });
    s.on_disconnected([&](pier::TCPServer::DisconnectedEvent &e) {
        seen.disconnected++;
        seen.status = e.status_code();
        CHECK_INT(e.connection_id(), seen.cid);
    });
    int port = listen_local(s);

    int fd = tu_connect(port);
    PUMP(s, 5000, seen.connected == 1);
    CHECK_INT(seen.requests, 1);
    CHECK_INT(seen.reentrant, 1);
    std::vector<int> ids = s.connection_ids();
    CHECK_INT(ids.size(), 1);
    CHECK_INT(ids[0], seen.cid);
    CHECK_INT(s.connection_count(), 1);
    CHECK(s.eol(seen.cid).empty());
    s.set_user_data(seen.cid, std::string("tag\0x", 5));
    CHECK(s.user_data(seen.cid) == std::string("tag\0x", 5));

    // The receive path allocates nothing on the C++ side: no operator new
    // between the data arriving and the echo going out.
    unsigned long long before = g_news;
    int *probe = new int(1);
    delete probe;
    bool counting = g_news == before + 1;  // the replacement is in use (not under an interposer)
    CHECK(counting || !CXX_COUNTING_NEW || getenv("PIER_UNDER_VALGRIND") != nullptr);

    const std::string payload = cxx_test::binary_data(3000, 11) + std::string("\0\xff end", 6);
    tu_send_all(fd, payload.data(), payload.size());
    before = g_news;
    PUMP(s, 5000, seen.bytes >= payload.size());
    unsigned long long news = g_news - before;
    if (counting && news != 0)
        TU_FAIL("%llu operator new calls while receiving and echoing %zu bytes", news, payload.size());
    CHECK_INT(seen.bytes, payload.size());

    std::string back(payload.size(), '\0');
    size_t got = 0;
    long long deadline = tu_now_ms() + tu_ms(5000);
    while (got < back.size() && tu_now_ms() < deadline) {
        s.do_events();
        int k = tu_recv_raw(fd, &back[got], back.size() - got, 10);
        if (k > 0) got += static_cast<size_t>(k);
    }
    CHECK_INT(got, payload.size());
    CHECK(back == payload);

    // Line mode on this connection, through its per-connection properties.
    s.set_eol(seen.cid, "\n");
    CHECK(s.eol(seen.cid) == "\n");
    s.on_data_in([&](pier::TCPServer::DataInEvent &e) {
        CHECK(e.eol());
        s.send_line(e.connection_id(), "C++ got " + e.text().string());
    });
    tu_send_str(fd, "one\ntwo\n");
    char buf[256];
    size_t n = 0;
    deadline = tu_now_ms() + tu_ms(5000);
    while (std::string(buf, n).find("two\r\n") == std::string::npos && tu_now_ms() < deadline) {
        s.do_events();
        int k = tu_recv_raw(fd, buf + n, sizeof buf - 1 - n, 10);
        if (k > 0) n += static_cast<size_t>(k);
    }
    // SendLine ends each line with CRLF whatever the EOL (docs/reference/tcpserver.md).
    if (std::string(buf, n) != "C++ got one\r\nC++ got two\r\n") TU_FAIL("got \"%s\"", std::string(buf, n).c_str());

    close(fd);
    PUMP(s, 5000, seen.disconnected == 1);
    CHECK_INT(seen.status, 0);
    CHECK(s.connection_ids().empty());
    printf("cxx_echo: echo ok\n");
}

/* --------------------------------------------------- 3 handler exceptions */

void test_handler_exceptions() {
    pier::TCPServer s;
    int connected = 0;
    s.on_connected([&](pier::TCPServer::ConnectedEvent &) {
        connected++;
        throw std::runtime_error("boom " + std::to_string(connected));
    });
    int port = listen_local(s);

    int fd1 = tu_connect(port);
    bool caught = false;
    long long deadline = tu_now_ms() + tu_ms(5000);
    while (!caught && tu_now_ms() < deadline) {
        try {
            s.do_events();
        } catch (const std::runtime_error &e) {
            CHECK(std::string(e.what()) == "boom 1");
            caught = true;
        }
    }
    CHECK(caught);
    CHECK(s.take_handler_exception() == nullptr);  // rethrown, so no longer pending
    s.do_events();                                    // and not thrown twice

    int fd2 = tu_connect(port);
    std::error_code ec;
    deadline = tu_now_ms() + tu_ms(5000);
    while (connected < 2 && tu_now_ms() < deadline) s.do_events(ec);
    CHECK_INT(connected, 2);
    CHECK(ec == std::errc::operation_canceled);
    std::exception_ptr kept = s.take_handler_exception();
    CHECK(kept != nullptr);
    try {
        std::rethrow_exception(kept);
    } catch (const std::runtime_error &e) {
        CHECK(std::string(e.what()) == "boom 2");
    }
    s.do_events(ec);
    EXPECT_EC(ec, 0);
    close(fd1);
    close(fd2);
    printf("cxx_echo: handler exceptions ok\n");
}

/* ------------------------------------------------------ 4 lifetime, moves */

void test_lifetime() {
    // Refusing a client; a handler replacing itself while it runs (its
    // captures are large, so the function object is on the heap).
    pier::TCPServer s;
    int refused = 0, connected = 0, first = 0, second = 0;
    s.on_connection_request([&](pier::TCPServer::ConnectionRequestEvent &e) {
        if (refused == 0) {
            refused++;
            e.set_accept(false);
        }
    });
    std::vector<char> big(1000, 'x');
    s.on_connected([&, big](pier::TCPServer::ConnectedEvent &) {
        first += static_cast<int>(big.size());
        connected++;
        s.on_connected([&](pier::TCPServer::ConnectedEvent &) {
            second++;
            connected++;
        });
        CHECK_INT(big.size(), 1000);  // still alive after being replaced
    });
    int port = listen_local(s);
    int fd = tu_connect(port);
    char c;
    CHECK_INT(tu_recv_timeout(fd, &c, 1, 1) , -1);
    PUMP(s, 5000, refused == 1);
    long long until = tu_now_ms() + 200;
    while (tu_now_ms() < until) s.do_events();
    CHECK_INT(connected, 0);
    CHECK_INT(tu_recv_timeout(fd, &c, 1, 5000), 0);  // closed with a FIN
    close(fd);
    int fd2 = tu_connect(port), fd3 = tu_connect(port);
    PUMP(s, 5000, connected == 2);
    CHECK_INT(first, 1000);
    CHECK_INT(second, 1);
    close(fd2);
    close(fd3);

    // Moves: the handle and the handlers go along; the moved-from object fails with 901.
    pier::TCPServer moved = std::move(s);
    CHECK(!s.is_open());
    EXPECT_PIER_ERROR(s.local_port(), pier::errc::invalid_handle);
    EXPECT_PIER_ERROR(s.on_connected(nullptr), pier::errc::invalid_handle);
    CHECK_INT(moved.local_port(), port);
    int fd4 = tu_connect(port);
    PUMP(moved, 5000, connected == 3);
    close(fd4);
    pier::TCPServer other;
    other = std::move(moved);
    CHECK_INT(other.local_port(), port);

    // close() from inside a handler: the handle is freed when it returns.
    int disconnected = 0;
    other.on_disconnected([&](pier::TCPServer::DisconnectedEvent &) {
        disconnected++;
        other.close();
        EXPECT_PIER_ERROR(other.local_port(), pier::errc::invalid_handle);
    });
    int fd5 = tu_connect(port);
    PUMP(other, 5000, connected == 4);
    close(fd5);
    std::error_code ec;
    long long deadline = tu_now_ms() + tu_ms(5000);
    while (disconnected == 0 && tu_now_ms() < deadline) {
        other.do_events(ec);
        if (ec) break;
    }
    CHECK_INT(disconnected, 1);
    CHECK(!other.is_open());
    other.do_events(ec);
    EXPECT_EC(ec, PIER_ERR_INVALID_HANDLE);

    // The server destroyed from inside its own handler: freed when the handler returns.
    std::optional<pier::TCPServer> owned;
    owned.emplace();
    pier_tcpserver *raw = owned->native_handle();
    int destroyed = 0;
    owned->on_connected([&](pier::TCPServer::ConnectedEvent &) {
        destroyed++;
        owned.reset();
    });
    int port2 = listen_local(*owned);
    int fd6 = tu_connect(port2);
    deadline = tu_now_ms() + tu_ms(5000);
    while (destroyed == 0 && tu_now_ms() < deadline) CHECK_INT(pier_tcpserver_do_doevents(raw), 0);
    CHECK_INT(destroyed, 1);
    CHECK(!owned.has_value());
    CHECK_INT(pier_tcpserver_do_doevents(raw), PIER_ERR_INVALID_HANDLE);  // freed after the handler
    close(fd6);
    printf("cxx_echo: lifetime ok\n");
}

}  // namespace

int main() {
    signal(SIGPIPE, SIG_IGN);
    test_errors();
    test_echo();
    test_handler_exceptions();
    test_lifetime();
    printf("cxx_echo: ok\n");
    return 0;
}
