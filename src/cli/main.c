/* main.c: the memplan binary */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "cli.h"

int
main(int argc, char **argv)
{
	return mp_cli_main(argc, argv, stdout, stderr);
}
