/* x.h: includes y.h, which includes x.h back */
#include "y.h"
