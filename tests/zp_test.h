/* Helpers for cmocka tests (Debian's cmocka 1.1.5 has no floating-point asserts). */
#ifndef ZP_TEST_H
#define ZP_TEST_H

#include <math.h>

static inline void zp_assert_near(double a, double b, double eps, const char *expr, const char *file, int line)
{
    if (!(fabs(a - b) <= eps)) {
        print_error("%s = %.17g, expected %.17g within %.3g\n", expr, a, b, eps);
        _fail(file, line);
    }
}
#undef assert_double_equal
#undef assert_float_equal
#define assert_double_equal(a, b, eps) zp_assert_near((double)(a), (double)(b), (double)(eps), #a, __FILE__, __LINE__)
#define assert_float_equal(a, b, eps) assert_double_equal(a, b, eps)

#endif
