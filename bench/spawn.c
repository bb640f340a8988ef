/* spawn.c: runs a command N times; prints its median wall time and peak RSS */
/* SPDX-License-Identifier: MIT */
/*
 * Usage: spawn N COMMAND [ARG...]
 * Prints "median_us mean_us maxrss_kib": the median and mean wall time of
 * one run (fork, exec and wait, as a shell would), and the largest
 * resident set any run reached (getrusage of the children).  stdout and
 * stderr of the command go to /dev/null.  Exits 1 when a run fails to
 * start or is killed; a run's own exit status (0, 1 or 2) is ignored.
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int
cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	struct rusage	 ru;
	uint64_t	*t, sum = 0, t0;
	long		 n, i;
	int		 st, null;
	pid_t		 pid;

	if (argc < 3 || (n = strtol(argv[1], NULL, 10)) < 1) {
		fprintf(stderr, "usage: spawn N COMMAND [ARG...]\n");
		return 2;
	}
	if ((t = calloc((size_t)n, sizeof(*t))) == NULL ||
	    (null = open("/dev/null", O_WRONLY)) == -1)
		return 1;
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		if ((pid = fork()) == -1)
			return 1;
		if (pid == 0) {
			dup2(null, 1);
			dup2(null, 2);
			execv(argv[2], argv + 2);
			_exit(127);
		}
		if (waitpid(pid, &st, 0) == -1 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) == 127) {
			fprintf(stderr, "spawn: %s did not run\n", argv[2]);
			return 1;
		}
		t[i] = now_ns() - t0;
		sum += t[i];
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("%llu %llu %ld\n", (unsigned long long)(t[n / 2] / 1000),
	    (unsigned long long)(sum / (uint64_t)n / 1000), ru.ru_maxrss);
	free(t);
	return 0;
}
