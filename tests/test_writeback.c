/* Early writeback (writeback.h): mode parsing, graceful failure, the helper thread really
 * flushes, leaves the data intact, never takes the signals, and stops without hanging. */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "zpscan/writeback.h"

static char path[64];

static int setup(void **st)
{
    (void)st;
    snprintf(path, sizeof path, "/tmp/zp_wb_test_%d", (int)getpid());
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    unlink(path);
    return 0;
}

static void test_modes(void **st)
{
    (void)st;
    unsetenv("ZPSCAN_WRITEBACK");
    assert_int_equal(zp_wb_mode_from_env(), ZP_WB_FLUSH);
    setenv("ZPSCAN_WRITEBACK", "0", 1);
    assert_int_equal(zp_wb_mode_from_env(), ZP_WB_OFF);
    setenv("ZPSCAN_WRITEBACK", "off", 1);
    assert_int_equal(zp_wb_mode_from_env(), ZP_WB_OFF);
    setenv("ZPSCAN_WRITEBACK", "start", 1);
    assert_int_equal(zp_wb_mode_from_env(), ZP_WB_START);
    setenv("ZPSCAN_WRITEBACK", "flush", 1);
    assert_int_equal(zp_wb_mode_from_env(), ZP_WB_FLUSH);
    unsetenv("ZPSCAN_WRITEBACK");
}

static void test_off_and_failures(void **st)
{
    (void)st;
    assert_null(zp_wb_open(path, ZP_WB_OFF, 1 << 20));
    assert_null(zp_wb_open("/nonexistent/dir/file", ZP_WB_FLUSH, 1 << 20)); /* a hint: no error */
    assert_null(zp_wb_open(path, ZP_WB_FLUSH, 0));
    /* a NULL handle is accepted everywhere */
    zp_wb_note(NULL, 1 << 30);
    assert_int_equal(zp_wb_count(NULL), 0);
    assert_int_equal(zp_wb_flushes(NULL), 0);
    zp_wb_close(NULL);
}

/* write `n` blocks of `len` bytes through fd, noting each; returns 0 on success */
static int write_blocks(int fd, zp_wb *w, int n, size_t len)
{
    char *buf = malloc(len);
    if (!buf) return -1;
    for (int b = 0; b < n; ++b) {
        memset(buf, 'a' + b, len);
        if (write(fd, buf, len) != (ssize_t)len) {
            free(buf);
            return -1;
        }
        zp_wb_note(w, (int64_t)len);
    }
    free(buf);
    return 0;
}

static void check_contents(int n, size_t len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(len);
    assert_non_null(buf);
    for (int b = 0; b < n; ++b) {
        assert_int_equal(fread(buf, 1, len, f), len);
        for (size_t i = 0; i < len; ++i)
            if (buf[i] != 'a' + b) fail_msg("block %d byte %zu changed", b, i);
    }
    free(buf);
    fclose(f);
}

static void test_flush_thread(void **st)
{
    (void)st;
    const size_t len = 1 << 20;
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    assert_true(fd >= 0);
    zp_wb *w = zp_wb_open(path, ZP_WB_FLUSH, (int64_t)len);
    assert_non_null(w);
    zp_wb_note(w, (int64_t)len - 1); /* below the threshold: nothing requested */
    assert_int_equal(zp_wb_count(w), 0);
    zp_wb_note(w, 1);
    assert_int_equal(zp_wb_count(w), 1);
    assert_int_equal(write_blocks(fd, w, 4, len), 0);
    assert_int_equal(zp_wb_count(w), 5);
    /* the helper really calls fdatasync (requests made during a flush coalesce) */
    int64_t done = 0;
    for (int i = 0; i < 500 && (done = zp_wb_flushes(w)) < 1; ++i) usleep(10000);
    assert_true(done >= 1 && done <= 5);
    zp_wb_close(w); /* joins the helper: must not hang */
    close(fd);
    check_contents(4, len);
}

static void test_start_mode(void **st)
{
    (void)st;
    const size_t len = 1 << 16;
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    assert_true(fd >= 0);
    zp_wb *w = zp_wb_open(path, ZP_WB_START, (int64_t)len);
    assert_non_null(w);
    assert_int_equal(write_blocks(fd, w, 3, len), 0);
    assert_int_equal(zp_wb_count(w), 3);
    assert_int_equal(zp_wb_flushes(w), 0); /* no helper in this mode */
    zp_wb_close(w);
    close(fd);
    check_contents(3, len);
}

static pthread_t main_thread;
static volatile sig_atomic_t got, on_main;

static void on_usr1(int s)
{
    (void)s;
    got = 1;
    on_main = pthread_equal(pthread_self(), main_thread);
}

/* A batch system's SIGTERM must reach the thread that polls the stop flag, not the helper. */
static void test_signals_stay_on_main(void **st)
{
    (void)st;
    main_thread = pthread_self();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    assert_true(fd >= 0);
    zp_wb *w = zp_wb_open(path, ZP_WB_FLUSH, 1);
    assert_non_null(w);
    for (int i = 0; i < 5; ++i) {
        got = on_main = 0;
        /* block it here for a moment: a pending process signal then may go to any thread
         * that does not block it, which must not be the helper */
        sigset_t one, old;
        sigemptyset(&one);
        sigaddset(&one, SIGUSR1);
        pthread_sigmask(SIG_BLOCK, &one, &old);
        kill(getpid(), SIGUSR1);
        zp_wb_note(w, 1); /* keep the helper busy */
        usleep(20000);    /* time for a thread that accepts it to take it */
        assert_false(got);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        for (int k = 0; k < 100 && !got; ++k) usleep(1000);
        assert_true(got);
        assert_true(on_main);
    }
    zp_wb_close(w);
    close(fd);
    signal(SIGUSR1, SIG_DFL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modes),
        cmocka_unit_test_setup_teardown(test_off_and_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flush_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signals_stay_on_main, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
