/* b.c: calls back up into a.c (the cycle check-cycles must refuse) */
int	mp_a_up(int);
int	mp_b_down(int);

int
mp_b_down(int x)
{
	/* "mp_a_up(" in a comment or a string is not a call */
	return x > 0 ? mp_a_up(x - 1) : 0;
}
