/*
 * echo_server.cpp — examples-c/echo_server.c in C++17 through include/pier.hpp.
 *
 *   echo_server [--raw] [PORT]          (PORT defaults to 4000; 0 = any free port)
 *
 * Line mode (default): every line a client sends comes back as "echo: <line>\r\n";
 * lines may end in CR, LF or CRLF (SingleLineMode), so `nc 127.0.0.1 4000`
 * works as is. Raw mode (--raw): bytes come back exactly as they arrived.
 * Runs until SIGINT/SIGTERM, or for PIER_DEMO_SECONDS seconds when that is set.
 *
 * What it shows: pier::TCPServer owning the handle (closed by its
 * destructor), handlers as lambdas, the event's data as a view (no copy),
 * exceptions for setup errors and std::error_code on the hot path, and flow
 * control — when a client reads slower than it writes, a send takes only
 * part of the data (10035, errc::would_block; BytesSent says how much): the
 * rest waits here, reading from that client pauses, and the ReadyToSend
 * event says when to send it and resume.
 */
#include <pier.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>

namespace {

volatile std::sig_atomic_t stop_requested = 0;
extern "C" void on_signal(int) { stop_requested = 1; }

const char usage[] = "usage: echo_server [--raw] [PORT]   (default 4000; 0 = any free port)\n";

/* PORT as a program argument: decimal 0..65535 and nothing else. */
bool parse_port(const char *s, int &port) {
    char *end = nullptr;
    long v = std::strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 0 || v > 65535) return false;
    port = static_cast<int>(v);
    return true;
}

class EchoServer {
 public:
    explicit EchoServer(bool raw) : raw_(raw) {
        server_.on_connected([this](pier::TCPServer::ConnectedEvent &e) {
            if (raw_) return;
            std::printf("[%d] connected from %s\n", e.connection_id(), server_.remote_host(e.connection_id()).c_str());
            send_or_keep(e.connection_id(), "Welcome to pier's echo server (C++). Type a line.\r\n");
        });
        server_.on_data_in([this](pier::TCPServer::DataInEvent &e) {
            if (raw_) {
                send_or_keep(e.connection_id(), e.text());  // a view into pier's buffer
                return;
            }
            send_or_keep(e.connection_id(), "echo: ");
            send_or_keep(e.connection_id(), e.text());
            if (e.eol()) send_or_keep(e.connection_id(), "\r\n");
        });
        server_.on_ready_to_send([this](pier::TCPServer::ReadyToSendEvent &e) { flush(e.connection_id()); });
        server_.on_disconnected([this](pier::TCPServer::DisconnectedEvent &e) {
            pending_.erase(e.connection_id());
            if (!raw_)
                std::printf("[%d] disconnected: %d %.*s\n", e.connection_id(), e.status_code(),
                            static_cast<int>(e.description().size()), e.description().data());
        });
        server_.on_error([](pier::TCPServer::ErrorEvent &e) {
            std::fprintf(stderr, "[%d] error %d: %.*s\n", e.connection_id(), e.error_code(),
                         static_cast<int>(e.description().size()), e.description().data());
        });
        // Every new connection copies the Default* properties.
        if (raw_) {
            server_.set_default_eol("");  // no framing
            server_.set_default_single_line_mode(false);
        } else {
            server_.set_default_single_line_mode(true);  // CR, LF or CRLF
        }
        if (const char *max = std::getenv("PIER_MAX_CONNECTIONS"))
            server_.config(std::string("MaxConnections=") + max);
    }

    /* Listens on 127.0.0.1:port; returns the port (the real one if 0). Throws pier::Error. */
    int listen(int port) {
        server_.set_local_host("127.0.0.1");
        server_.set_local_port(port);
        server_.start_listening();
        return static_cast<int>(server_.local_port());
    }

    /* The event loop: each do_events handles what is ready, or waits up to
     * SelectWaitMillis (20 ms) for something to happen. */
    int run(double seconds) {
        auto start = std::chrono::steady_clock::now();
        std::error_code ec;
        while (!stop_requested) {
            server_.do_events(ec);
            if (ec) {
                std::fprintf(stderr, "do_events: [%d] %s\n", ec.value(), server_.last_error().c_str());
                return 1;
            }
            std::chrono::duration<double> ran = std::chrono::steady_clock::now() - start;
            if (seconds > 0 && ran.count() >= seconds) break;
        }
        return 0;
    }

 private:
    /* Send, or keep what the socket does not take and pause reading from that client. */
    void send_or_keep(int cid, pier::ByteView data) {
        auto it = pending_.find(cid);
        if (it != pending_.end()) {  // older bytes are waiting: keep the order
            it->second.append(data.str());
            return;
        }
        std::error_code ec;
        server_.send(cid, data, ec);
        if (!ec) return;
        if (ec == pier::errc::would_block) {
            std::size_t sent = static_cast<std::size_t>(server_.bytes_sent(cid));
            pending_[cid] = std::string(data.str().substr(sent));
            server_.pause_data(cid, ec);  // until ReadyToSend
            return;
        }
        std::fprintf(stderr, "[%d] send failed: %d %s\n", cid, ec.value(), server_.last_error().c_str());
        server_.disconnect(cid, ec);
    }

    void flush(int cid) {
        auto it = pending_.find(cid);
        if (it == pending_.end()) return;  // also fires once right after connecting
        std::error_code ec;
        server_.send(cid, it->second, ec);
        if (ec == pier::errc::would_block) {
            it->second.erase(0, static_cast<std::size_t>(server_.bytes_sent(cid)));
            return;
        }
        pending_.erase(it);
        if (!ec)
            server_.process_data(cid, ec);  // read again
        else
            server_.disconnect(cid, ec);
    }

    pier::TCPServer server_;
    bool raw_;
    std::map<int, std::string> pending_;  // replies the kernel did not take yet
};

}  // namespace

int main(int argc, char **argv) {
    int port = 4000, ports = 0;
    const char *raw_env = std::getenv("PIER_ECHO_RAW");
    bool raw = raw_env && std::strcmp(raw_env, "") != 0 && std::strcmp(raw_env, "0") != 0;
    for (int i = 1; i < argc; i++) {
        std::string_view arg = argv[i];
        if (arg == "--raw") {
            raw = true;
        } else if (arg == "--help" || arg == "-h") {
            std::fputs(usage, stdout);
            return 0;
        } else if (ports++ > 0 || !parse_port(argv[i], port)) {
            std::fputs(usage, stderr);
            return 2;
        }
    }
    const char *seconds_env = std::getenv("PIER_DEMO_SECONDS");
    double seconds = seconds_env ? std::atof(seconds_env) : 0;

    try {
        EchoServer echo(raw);
        port = echo.listen(port);
        std::printf("pier %s echo server (C++, %s mode) listening on 127.0.0.1:%d\n",
                    std::string(pier::version()).c_str(), raw ? "raw" : "line", port);
        std::printf("connect with:  nc 127.0.0.1 %d      (Ctrl-C here stops the server)\n", port);
        std::fflush(stdout);
        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);
        int rc = echo.run(seconds);
        std::printf("stopping\n");
        return rc;  // the destructor closes the server: everyone is disconnected
    } catch (const pier::Error &e) {
        std::fprintf(stderr, "cannot serve on port %d: [%d] %s\n", port, e.code_value(), e.last_error());
        return 1;
    }
}
