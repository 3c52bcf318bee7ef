// consumer.cpp — the smallest C++ program built against an installed pier
// through <pier.hpp> (by c-tests/consumer/run.sh, with find_package(pier)
// and with pkg-config).
#include <pier.hpp>

#include <cstdio>
#include <string>
#include <system_error>

int main() {
    if (pier::version() != PIER_VERSION) {
        std::fprintf(stderr, "library %s, header %s\n", pier_version(), PIER_VERSION);
        return 1;
    }
    try {
        pier::TCPServer server;
        server.set_local_host("127.0.0.1");
        server.set_local_port(0);  // a free loopback port, read back below
        server.start_listening();
        std::error_code ec;
        server.set_local_port(70000, ec);  // out of range: reported, not thrown
        if (ec != pier::errc::invalid_value) {
            std::fprintf(stderr, "LocalPort 70000 gave %d, expected 906\n", ec.value());
            return 1;
        }
        server.do_events();
        long long port = server.local_port();
        std::printf("pier %s (C++) listened on port %lld\n", std::string(pier::version()).c_str(), port);
        return port > 0 ? 0 : 1;
    } catch (const pier::Error &e) {
        std::fprintf(stderr, "pier error %d: %s\n", e.code_value(), e.last_error());
        return 1;
    }
}
