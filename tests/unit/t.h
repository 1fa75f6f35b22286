/* A minimal unit-test harness: TEST(name) defines a case, CHECK fails it
 * with the file and line, and T_RUN runs the listed cases. */
#ifndef DUODHCP_T_H
#define DUODHCP_T_H

#include <stdio.h>
#include <string.h>

static int t_failed_checks;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		t_failed_checks++; \
	} \
} while (0)

#define CHECK_EQ(a, b) do { \
	long long t_a_ = (long long)(a), t_b_ = (long long)(b); \
	if (t_a_ != t_b_) { \
		fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld != %lld)\n", \
			__FILE__, __LINE__, #a, #b, t_a_, t_b_); \
		t_failed_checks++; \
	} \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *t_a_ = (a), *t_b_ = (b); \
	if (strcmp(t_a_, t_b_) != 0) { \
		fprintf(stderr, "%s:%d: CHECK_STR failed: \"%s\" != \"%s\"\n", \
			__FILE__, __LINE__, t_a_, t_b_); \
		t_failed_checks++; \
	} \
} while (0)

#define TEST(name) static void name(void)

struct t_case { const char *name; void (*fn)(void); };

static inline int t_run(const struct t_case *cases, size_t n)
{
	int passed = 0, failed = 0;
	for (size_t i = 0; i < n; i++) {
		int before = t_failed_checks;
		cases[i].fn();
		if (t_failed_checks == before) {
			passed++;
			printf("ok %zu - %s\n", i + 1, cases[i].name);
		} else {
			failed++;
			printf("not ok %zu - %s\n", i + 1, cases[i].name);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

#define T_CASE(fn) { #fn, fn }
#define T_RUN(...) int main(void) { \
	static const struct t_case t_cases_[] = { __VA_ARGS__ }; \
	return t_run(t_cases_, sizeof t_cases_ / sizeof t_cases_[0]); \
}

#endif
