#!/bin/sh
# Prints the README's inference accuracy table from the referee's output:
#   tests/accuracy/readme-table.sh ACCURACY_TOOL build/memplan
"$1" --memplan "$2" --cases infer | awk '$5 == "peak" {
	printf "| %s | %s %s %s | %s | %s | %s |\n", $1, $2, $3, $4, $6, $7, $8 }'
