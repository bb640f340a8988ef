#include "x.h"

int
main(void)
{
	return 0;
}
