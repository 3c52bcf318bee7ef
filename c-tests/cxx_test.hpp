/*
 * cxx_test.hpp — what the C++ tests of pier.hpp share (cxx_echo, cxx_tls,
 * cxx_tftp, cxx_ws): the C tests' checks and socket client (test_util.h),
 * plus checks for pier::Error / std::error_code, a pump that drives any
 * pier.hpp component, and a child process runner for the real clients
 * (openssl s_client, tftp). Compiled as C++17 with -Wpedantic.
 */
#ifndef PIER_CXX_TEST_HPP
#define PIER_CXX_TEST_HPP

#include "test_util.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <system_error>

#include "pier.hpp"

/* EXPECT_PIER_ERROR(stmt, code): stmt throws pier::Error with exactly this
 * code (in pier's category), with a non-empty text. */
#define EXPECT_PIER_ERROR(stmt, want)                                                        \
    do {                                                                                     \
        bool cx_thrown_ = false;                                                             \
        try {                                                                                \
            stmt;                                                                            \
        } catch (const pier::Error &cx_e_) {                                                 \
            cx_thrown_ = true;                                                               \
            if (cx_e_.code() != std::error_code(static_cast<int>(want), pier::category()))   \
                TU_FAIL("%s threw %d (%s), expected %d", #stmt, cx_e_.code_value(),          \
                        cx_e_.what(), static_cast<int>(want));                               \
            if (std::string(cx_e_.last_error()).empty() || std::string(cx_e_.what()).empty()) \
                TU_FAIL("%s threw %d without a text", #stmt, cx_e_.code_value());           \
        }                                                                                    \
        if (!cx_thrown_) TU_FAIL("%s did not throw pier::Error %d", #stmt, static_cast<int>(want)); \
    } while (0)

/* EXPECT_EC(ec, code): a std::error_code holds this pier code (0: none). */
#define EXPECT_EC(ec, want)                                                                  \
    do {                                                                                     \
        const std::error_code cx_ec_ = (ec);                                                 \
        if (static_cast<int>(want) == 0 ? bool(cx_ec_)                                       \
                                        : cx_ec_ != std::error_code(static_cast<int>(want), pier::category())) \
            TU_FAIL("%s is %d (%s: %s), expected %d", #ec, cx_ec_.value(), cx_ec_.category().name(), \
                    cx_ec_.message().c_str(), static_cast<int>(want));                       \
    } while (0)

namespace cxx_test {

/* Calls do_events() until cond() holds; fails the test after ms (scaled under valgrind). */
template <class Server, class Cond>
inline void pump_until(Server &s, int ms, Cond cond, const char *what) {
    long long deadline = tu_now_ms() + tu_ms(ms);
    while (!cond()) {
        if (tu_now_ms() >= deadline) TU_FAIL("timed out after %d ms waiting for %s", tu_ms(ms), what);
        s.do_events();
    }
}
#define PUMP(server, ms, cond) cxx_test::pump_until(server, ms, [&] { return (cond); }, #cond)

/* Runs a shell command in the background. */
inline pid_t spawn_sh(const std::string &cmd) {
    pid_t pid = fork();
    if (pid < 0) TU_FAIL("fork: %s", strerror(errno));
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char *>(nullptr));
        _exit(127);
    }
    return pid;
}

/* Pumps the server until the child exits; returns its exit status. */
template <class Server>
inline int pump_until_exit(Server &s, pid_t pid, int ms) {
    long long deadline = tu_now_ms() + tu_ms(ms);
    for (;;) {
        int status = 0;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
        if (r < 0) TU_FAIL("waitpid: %s", strerror(errno));
        if (tu_now_ms() >= deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            TU_FAIL("the client did not finish within %d ms", tu_ms(ms));
        }
        s.do_events();
    }
}

/* The clients' own time limit in seconds (longer under valgrind). */
inline int client_limit() { return tu_ms(30000) / 1000; }

inline std::string read_file(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return std::string("(missing: ") + path + ")";
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

inline void write_file(const std::string &path, const std::string &data) {
    std::ofstream f(path, std::ios::binary);
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!f) TU_FAIL("cannot write %s", path.c_str());
}

inline void sh(const std::string &cmd) {
    int rc = system(cmd.c_str());
    if (rc != 0) TU_FAIL("command failed (%d): %s", rc, cmd.c_str());
}

inline std::string temp_dir(const char *prefix) {
    char buf[128];
    tu_tempdir(buf, sizeof buf, prefix);
    return buf;
}

/* Bytes 0..255 repeated, n long: binary data with NULs and high bytes. */
inline std::string binary_data(std::size_t n, unsigned seed) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; i++) s[i] = static_cast<char>((i * 7 + seed) & 0xff);
    return s;
}

}  // namespace cxx_test

#endif
