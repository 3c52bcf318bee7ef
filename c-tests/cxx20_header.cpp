/*
 * cxx20_header.cpp — include/pier.hpp compiled as C++20 (-Wpedantic
 * -Werror): the std::span conversions of pier::ByteView, comparisons under
 * C++20's rewritten operators, and each component opened, used and closed.
 * Registered as cxx20_header (labels api, cxx).
 */
#include "cxx_test.hpp"

#include <array>
#include <cstdint>
#include <span>

#if __cplusplus < 202002L
#error "cxx20_header is built as C++20"
#endif

int main() {
    const std::array<std::uint8_t, 4> raw = {1, 0, 255, 7};
    pier::ByteView v{std::span<const std::uint8_t>(raw)};
    CHECK_INT(v.size(), 4);
    CHECK_INT(v[2], 255);
    std::span<const std::uint8_t> back = v.span();
    CHECK(back.data() == raw.data() && back.size() == raw.size());
    CHECK(pier::ByteView("abc") == std::string("abc"));
    CHECK(pier::ByteView("abc") != "abd");
    CHECK(pier::ByteView(std::string_view("a\0b", 3)).size() == 3);

    std::error_code ec = pier::errc::would_block;
    CHECK(ec.value() == PIER_ERR_WOULD_BLOCK && ec.category() == pier::category());
    CHECK(ec == pier::errc::would_block);

    pier::TCPServer tcp;
    pier::TFTPServer tftp;
    pier::WSServer ws;
    tcp.set_default_eol("\r\n");
    CHECK(tcp.default_eol() == "\r\n");
    CHECK_INT(tftp.local_port(), 69);
    ws.set_local_host("127.0.0.1");
    ws.start_listening();
    CHECK(ws.listening());
    ws.broadcast(std::vector<int>{}, 1, "nobody listens", ec);  // no connections: nothing to do
    EXPECT_EC(ec, 0);
    ws.close();
    EXPECT_PIER_ERROR(ws.listening(), pier::errc::invalid_handle);
    printf("cxx20_header: ok\n");
    return 0;
}
