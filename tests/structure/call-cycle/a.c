/* a.c: calls down into b.c */
int	mp_b_down(int);
int	mp_a_up(int);

int
mp_a_up(int x)
{
	return mp_b_down(x) + 1;
}
