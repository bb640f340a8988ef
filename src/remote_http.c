/* remote_http.c: GET and Range requests through libcurl, bounded */
/* SPDX-License-Identifier: MIT */
/*
 * Every request is bounded: a cap on the body (a server that sends more,
 * or ignores Range, is cut off), at most 5 redirects and only to http or
 * https, a connect timeout and a stall timeout (no byte for
 * MEMPLAN_HTTP_TIMEOUT seconds, default 20), a few retries for 429
 * (honouring a short Retry-After) and 5xx.  Content-Range is checked
 * against what was asked for, and a body shorter than announced is an
 * error.
 *
 * The Hugging Face token (HF_TOKEN, else $HF_HOME/token) is sent as
 * "Authorization: Bearer" only when the URL's scheme, host and port are
 * the endpoint's; libcurl (>= 7.83) drops a custom Authorization header
 * when a redirect leads to another host or port, so the CDN never sees
 * it.  The token is never printed nor written anywhere.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "fileio.h"
#include "remote.h"

#define MAX_REDIRS	5
#define MAX_TRIES	3		/* first try and two retries */
#define MAX_RETRY_S	30		/* a longer Retry-After is an error */
#define MAX_TOKEN	1024
/* Transfers at once: shard headers are fetched in parallel over one
 * connection pool (multiplexed on one connection where HTTP/2 is
 * offered), at most this many in flight. */
#define MAX_PARALLEL	8

struct mp_http {
	CURLM		*m;		/* one connection pool for all */
	CURL		*pool[MAX_PARALLEL];
	char		 auth_origin[600];	/* scheme://host:port */
	char		 auth[MAX_TOKEN + 40];	/* the header, or "" */
	long		 timeout_s;
	long		 retry_ms;		/* first 5xx back-off */
	unsigned	 requests;
	uint64_t	 bytes;
};

/* What a transfer collects. */
struct sink {
	struct mp_http	*c;
	CURL		*e;
	unsigned char	*buf;
	size_t		 len, cap;	/* cap: the most kept */
	size_t		 alloc;
	bool		 nomem;
	uint64_t	 skip;		/* a 200 to a Range: bytes to drop */
	uint64_t	 want;		/* ... and then bytes to keep */
	bool		 ranged, over, enough;
	long		 status;
};

static bool curl_ready;

/* "https://host:port" of a URL (default ports made explicit). */
static bool
origin(const char *url, char *out, size_t len)
{
	CURLU	*u = curl_url();
	char	*scheme = NULL, *host = NULL, *port = NULL;
	bool	 ok = false;

	if (u == NULL)
		return false;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
	    CURLUE_OK) {
		snprintf(out, len, "%s://%s:%s", scheme, host, port);
		for (char *p = out; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
		ok = true;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return ok;
}

/* HF_TOKEN, else the file $HF_HOME/token (huggingface_hub's order). */
static void
load_token(char *tok, size_t len)
{
	const char	*e = getenv("HF_TOKEN");
	char		 p[1100];
	FILE		*fp;
	size_t		 n;

	tok[0] = '\0';
	if (e != NULL && *e != '\0') {
		snprintf(tok, len, "%s", e);
	} else {
		if ((e = getenv("HF_HOME")) != NULL && *e != '\0')
			snprintf(p, sizeof(p), "%s/token", e);
		else if ((e = getenv("HOME")) != NULL && *e != '\0')
			snprintf(p, sizeof(p), "%s/.cache/huggingface/token",
			    e);
		else
			return;
		if ((fp = mp_file_open(p, NULL, NULL)) == NULL)
			return;
		n = fread(tok, 1, len - 1, fp);
		fclose(fp);
		tok[n] = '\0';
	}
	tok[strcspn(tok, "\r\n")] = '\0';
	/* A header value: printable ASCII only, or none at all. */
	for (n = 0; tok[n] != '\0'; n++)
		if ((unsigned char)tok[n] < 0x21 || (unsigned char)tok[n] > 0x7e)
			tok[0] = '\0';
}

static long
env_seconds(const char *name, long dflt, long max)
{
	const char	*e = getenv(name);
	char		*end;
	long		 v;

	if (e == NULL || *e == '\0')
		return dflt;
	errno = 0;
	v = strtol(e, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > max)
		return dflt;
	return v;
}

struct mp_http *
mp_http_new(const char *auth_base, struct mp_error *err)
{
	struct mp_http	*c;
	char		 tok[MAX_TOKEN];

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			mp_error_set(err, MP_EIO, NULL, NULL,
			    "cannot initialise libcurl");
			return NULL;
		}
		curl_ready = true;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->m = curl_multi_init()) == NULL) {
		free(c);
		mp_error_set(err, MP_ENOMEM, NULL, NULL, "out of memory");
		return NULL;
	}
	/* HTTP/2 multiplexing where the server offers it (several
	 * transfers on one connection), else at most MAX_PARALLEL
	 * connections. */
	curl_multi_setopt(c->m, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	curl_multi_setopt(c->m, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)MAX_PARALLEL);
	c->timeout_s = env_seconds("MEMPLAN_HTTP_TIMEOUT", 20, 600);
	c->retry_ms = c->timeout_s < 20 ? 100 : 1000;
	if (auth_base != NULL && origin(auth_base, c->auth_origin,
	    sizeof(c->auth_origin))) {
		load_token(tok, sizeof(tok));
		if (tok[0] != '\0')
			snprintf(c->auth, sizeof(c->auth),
			    "Authorization: Bearer %s", tok);
		memset(tok, 0, sizeof(tok));
	}
	return c;
}

void
mp_http_free(struct mp_http *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < MAX_PARALLEL; i++)
		curl_easy_cleanup(c->pool[i]);
	curl_multi_cleanup(c->m);
	memset(c->auth, 0, sizeof(c->auth));
	free(c);
}

void
mp_http_resp_fini(struct mp_http_resp *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

void
mp_http_stats(const struct mp_http *c, unsigned *requests, uint64_t *bytes)
{
	*requests = c->requests;
	*bytes = c->bytes;
}

void
mp_pct_encode(const char *in, const char *keep, bool dot_after_first,
    char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *in != '\0' && o + 4 < outlen; in++) {
		unsigned char ch = (unsigned char)*in;

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || strchr(keep, ch) != NULL ||
		    (ch == '.' && dot_after_first && o > 0))
			out[o++] = (char)ch;
		else {
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = '\0';
}

void
mp_url_escape(const char *in, bool keep_slash, char *out, size_t outlen)
{
	/* RFC 3986's unreserved characters, and '/' between path segments. */
	mp_pct_encode(in, keep_slash ? "-._~/" : "-._~", false, out, outlen);
}

/* Room for need bytes, doubling (bodies are capped before this). */
static bool
grow(struct sink *s, size_t need)
{
	size_t		 a = s->alloc ? s->alloc : 4096;
	unsigned char	*nb;

	if (need <= s->alloc)
		return true;
	while (a < need)
		a = a > SIZE_MAX / 2 ? need : a * 2;
	if ((nb = realloc(s->buf, a)) == NULL) {
		s->nomem = true;
		return false;
	}
	s->buf = nb;
	s->alloc = a;
	return true;
}

static size_t
on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sink	*s = arg;
	size_t		 n = size * nmemb, k;

	if (s->status == 0)
		curl_easy_getinfo(s->e, CURLINFO_RESPONSE_CODE, &s->status);
	s->c->bytes += n;
	/* A 200 to a Range request: the whole file comes; keep the slice
	 * asked for and stop there. */
	if (s->ranged && s->status == 200) {
		if (s->skip >= n) {
			s->skip -= n;
			return n;
		}
		p += s->skip;
		k = n - (size_t)s->skip;
		s->skip = 0;
		if (k > s->want - s->len)
			k = (size_t)(s->want - s->len);
		if (!grow(s, s->len + k))
			return 0;
		memcpy(s->buf + s->len, p, k);
		s->len += k;
		if (s->len == s->want) {
			s->enough = true;
			return 0;	/* stops the transfer */
		}
		return n;
	}
	if (s->status != 200 && s->status != 206)
		return n;	/* an error page: the status says it all */
	if (n > s->cap - s->len) {
		s->over = true;
		return 0;
	}
	if (!grow(s, s->len + n))
		return 0;
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	return n;
}

static const char *
header(CURL *h, const char *name)
{
	struct curl_header *hd = NULL;

	if (curl_easy_header(h, name, 0, CURLH_HEADER, -1, &hd) != CURLHE_OK)
		return NULL;
	return hd->value;
}

/* A URL for messages: no query string (signed CDN URLs carry keys). */
static void
show_url(const char *url, char *out, size_t len)
{
	snprintf(out, len, "%.*s", (int)strcspn(url, "?#"), url);
}

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* A curl failure as the one line a user can act on. */
static bool
transfer_error(struct mp_http *c, CURLcode rc, const char *what,
    const char *url, struct mp_error *err)
{
	char u[600];

	show_url(url, u, sizeof(u));
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return mp_error_set(err, MP_EIO, what, NULL,
		    "no network: cannot resolve the host of %s", u);
	case CURLE_COULDNT_CONNECT:
		return mp_error_set(err, MP_EIO, what, NULL,
		    "no network: cannot connect to %s", u);
	case CURLE_OPERATION_TIMEDOUT:
		return mp_error_set(err, MP_EIO, what, NULL,
		    "timed out: %s sent nothing for %ld s", u, c->timeout_s);
	case CURLE_TOO_MANY_REDIRECTS:
		return mp_error_set(err, MP_EIO, what, NULL,
		    "more than %d redirects from %s", MAX_REDIRS, u);
	case CURLE_UNSUPPORTED_PROTOCOL:
		return mp_error_set(err, MP_EIO, what, NULL,
		    "%s redirects to a scheme other than http or https", u);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		return mp_error_set(err, MP_EIO, what, NULL,
		    "TLS failure talking to %s: %s", u, curl_easy_strerror(rc));
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		return mp_error_set(err, MP_EIO, what, NULL,
		    "truncated body from %s (%s)", u, curl_easy_strerror(rc));
	default:
		return mp_error_set(err, MP_EIO, what, NULL, "%s: %s", u,
		    curl_easy_strerror(rc));
	}
}

static bool
status_error(long st, const char *what, const char *url,
    struct mp_error *err)
{
	char u[600];

	show_url(url, u, sizeof(u));
	if (st == 401 || st == 403)
		return mp_error_set(err, MP_EINPUT, what, NULL,
		    "gated or private (HTTP %ld): accept the license on the "
		    "model page and set HF_TOKEN", st);
	if (st == 404)
		return mp_error_set(err, MP_EINPUT, what, NULL,
		    "not found (HTTP 404) at %s", u);
	if (st == 416)
		return mp_error_set(err, MP_EINPUT, what, NULL,
		    "the server refused the byte range (HTTP 416) at %s", u);
	if (st == 429)
		return mp_error_set(err, MP_EIO, what, NULL,
		    "rate limited (HTTP 429) %d times; try again later",
		    MAX_TRIES);
	if (st >= 300 && st < 400)
		return mp_error_set(err, MP_EIO, what, NULL,
		    "redirect (HTTP %ld) from %s without a usable Location",
		    st, u);
	return mp_error_set(err, MP_EIO, what, NULL,
	    "HTTP %ld from %s", st, u);
}

/* One request of a batch, as it goes. */
struct xfer {
	struct mp_http_req	*q;
	CURL			*e;
	struct sink		 s;
	struct curl_slist	*hdrs;
	char			 range[64], acc[160];
	int			 tries;		/* left, this one included */
	long			 wait_ms;	/* > 0: again after this */
	enum { X_PENDING, X_DONE, X_FAILED } state;
	CURLcode		 rc;
	struct mp_error		 err;
};

/* The easy handle set up for x's request (one attempt). */
static bool
setup(struct mp_http *c, struct xfer *x)
{
	const struct mp_http_req	*q = x->q;
	struct curl_slist		*t;
	char				 org[600];
	CURL				*e = x->e;

	memset(&x->s, 0, sizeof(x->s));
	x->s.c = c;
	x->s.e = e;
	x->s.ranged = q->len > 0;
	x->s.want = q->len;
	x->s.skip = q->off;
	x->s.cap = q->len > 0 ? (size_t)q->len : q->cap;
	x->hdrs = NULL;
	x->rc = CURLE_OK;
	x->wait_ms = 0;
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, q->url);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)MAX_REDIRS);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, c->timeout_s);
	/* A stall: under 1 byte/s for the timeout ends the request. */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, c->timeout_s);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "memplan/" MP_VERSION);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &x->s);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
	    (long)CURL_HTTP_VERSION_2TLS);
	/* Wait for a connection that can multiplex rather than open
	 * another (HTTP/2); HTTP/1.1 gets its own connections. */
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	if (q->len > 0) {
		snprintf(x->range, sizeof(x->range), "%llu-%llu",
		    (unsigned long long)q->off,
		    (unsigned long long)(q->off + q->len - 1));
		curl_easy_setopt(e, CURLOPT_RANGE, x->range);
		/* Ranges of a compressed body would not be the file's. */
		curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, NULL);
	}
	if (q->accept != NULL) {
		snprintf(x->acc, sizeof(x->acc), "Accept: %s", q->accept);
		if ((t = curl_slist_append(x->hdrs, x->acc)) == NULL)
			return false;
		x->hdrs = t;
	}
	if (c->auth[0] != '\0' && origin(q->url, org, sizeof(org)) &&
	    strcmp(org, c->auth_origin) == 0) {
		if ((t = curl_slist_append(x->hdrs, c->auth)) == NULL)
			return false;
		x->hdrs = t;
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
	c->requests++;
	return true;
}

/* What a finished attempt gave: true with the body in x->q->resp, or
 * false with x->err set, or with x->wait_ms > 0 to try again. */
static bool
post(struct mp_http *c, struct xfer *x)
{
	struct mp_http_req	*q = x->q;
	struct mp_http_resp	*r = &q->resp;
	struct mp_error		*err = &x->err;
	const char		*v, *what = q->what, *url = q->url;
	char			*eff = NULL;
	uint64_t		 start, end, total, off = q->off, len = q->len;
	curl_off_t		 cl = -1;
	long			 nr = 0;
	bool			 ok = false;

	mp_error_clear(err);
	mp_http_resp_fini(r);
	curl_easy_getinfo(x->e, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(x->e, CURLINFO_EFFECTIVE_URL, &eff);
	snprintf(r->url, sizeof(r->url), "%s", eff != NULL ? eff : url);
	/* Each redirect followed was a request too. */
	curl_easy_getinfo(x->e, CURLINFO_REDIRECT_COUNT, &nr);
	c->requests += (unsigned)(nr > 0 ? nr : 0);
	if (x->s.nomem)
		goto nomem;
	if (x->s.over) {
		mp_error_set(err, MP_EINPUT, what, NULL,
		    "the server sent more than %zu bytes; refused", x->s.cap);
		goto out;
	}
	if (x->rc != CURLE_OK &&
	    !(x->rc == CURLE_WRITE_ERROR && x->s.enough)) {
		if (x->rc == CURLE_WRITE_ERROR)
			mp_error_set(err, MP_EIO, what, NULL,
			    "the transfer was cut short");
		else
			transfer_error(c, x->rc, what, url, err);
		goto out;
	}
	if (r->status == 429 || r->status >= 500) {
		long ra = 0;

		if (r->status == 429 && (v = header(x->e, "Retry-After")) !=
		    NULL && mp_http_retry_after(v, time(NULL), &ra) &&
		    ra > MAX_RETRY_S) {
			/* Longer than memplan waits: say so at once. */
			mp_error_set(err, MP_EIO, what, NULL,
			    "rate limited: retry after %ld s (HTTP 429; "
			    "memplan waits at most %d s)", ra, MAX_RETRY_S);
			goto out;
		}
		if (x->tries > 1) {
			x->wait_ms = ra > 0 ? ra * 1000 :
			    c->retry_ms * (MAX_TRIES - x->tries + 1);
			goto out;
		}
		status_error(r->status, what, url, err);
		goto out;
	}
	if (r->status != 200 && r->status != 206) {
		status_error(r->status, what, url, err);
		goto out;
	}
	if ((v = header(x->e, "Link")) != NULL)
		mp_http_link_next(v, r->next, sizeof(r->next));
	curl_easy_getinfo(x->e, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
	if (len == 0) {
		if (r->status != 200) {
			status_error(r->status, what, url, err);
			goto out;
		}
		r->total = x->s.len;
	} else if (r->status == 206) {
		v = header(x->e, "Content-Range");
		if (!mp_http_content_range(v, off, len, &start, &end, &total)) {
			mp_error_set(err, MP_EINPUT, what, "Content-Range",
			    "\"%.60s\" does not answer the request for bytes "
			    "%llu-%llu", v != NULL ? v : "(none)",
			    (unsigned long long)off,
			    (unsigned long long)(off + len - 1));
			goto out;
		}
		if (x->s.len != end - start + 1) {
			mp_error_set(err, MP_EIO, what, NULL,
			    "truncated body: %zu of %llu bytes", x->s.len,
			    (unsigned long long)(end - start + 1));
			goto out;
		}
		r->total = total;
	} else {
		/* 200 to a Range: the whole file, its size Content-Length. */
		if (cl < 0) {
			mp_error_set(err, MP_EINPUT, what, NULL,
			    "the server ignores Range and gives no size");
			goto out;
		}
		r->total = (uint64_t)cl;
		if (!x->s.enough && x->s.len < len &&
		    off + x->s.len != (uint64_t)cl) {
			mp_error_set(err, MP_EIO, what, NULL,
			    "truncated body: %zu of %llu bytes", x->s.len,
			    (unsigned long long)len);
			goto out;
		}
	}
	r->body = x->s.buf;
	r->len = x->s.len;
	x->s.buf = NULL;
	ok = true;
	goto out;
nomem:
	mp_error_set(err, MP_ENOMEM, what, NULL, "out of memory");
out:
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	free(x->s.buf);
	x->s.buf = NULL;
	return ok;
}

/* Runs *x[0..n) (n <= MAX_PARALLEL) at once on the pool's handles;
 * each one's curl result in its rc. */
static bool
run_round(struct mp_http *c, struct xfer **x, size_t n, struct mp_error *err)
{
	CURLMsg		*msg;
	size_t		 i, started = 0;
	int		 running = 1, left;
	bool		 ok = true;

	for (i = 0; i < n && ok; i++) {
		if (c->pool[i] == NULL &&
		    (c->pool[i] = curl_easy_init()) == NULL) {
			ok = mp_error_set(err, MP_ENOMEM, NULL, NULL,
			    "out of memory");
			break;
		}
		x[i]->e = c->pool[i];
		if (!setup(c, x[i]))
			ok = mp_error_set(err, MP_ENOMEM, NULL, NULL,
			    "out of memory");
		else if (curl_multi_add_handle(c->m, x[i]->e) != CURLM_OK)
			ok = mp_error_set(err, MP_EIO, NULL, NULL,
			    "cannot start a transfer");
		else
			started++;
	}
	while (ok && running > 0) {
		if (curl_multi_perform(c->m, &running) != CURLM_OK) {
			ok = mp_error_set(err, MP_EIO, NULL, NULL,
			    "libcurl failed");
			break;
		}
		while ((msg = curl_multi_info_read(c->m, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			for (i = 0; i < started; i++)
				if (x[i]->e == msg->easy_handle)
					x[i]->rc = msg->data.result;
		}
		if (running > 0 &&
		    curl_multi_poll(c->m, NULL, 0, 1000, NULL) != CURLM_OK)
			ok = mp_error_set(err, MP_EIO, NULL, NULL,
			    "libcurl failed");
	}
	for (i = 0; i < started; i++)
		curl_multi_remove_handle(c->m, x[i]->e);
	if (!ok)
		for (i = 0; i < n; i++) {
			curl_slist_free_all(x[i]->hdrs);
			x[i]->hdrs = NULL;
			free(x[i]->s.buf);
			x[i]->s.buf = NULL;
		}
	return ok;
}

bool
mp_http_get_many(struct mp_http *c, struct mp_http_req *q, size_t n,
    struct mp_error *err)
{
	struct xfer	 x[MAX_PARALLEL], *run[MAX_PARALLEL];
	size_t		 i, k, m, nr, at, bad = n;
	long		 wait;

	for (i = 0; i < n; i++) {
		memset(&q[i].resp, 0, sizeof(q[i].resp));
		if (q[i].len > 0 && q[i].off > UINT64_MAX - q[i].len)
			return mp_error_set(err, MP_ERANGE, q[i].what, NULL,
			    "byte range overflows");
	}
	/* MAX_PARALLEL at a time; within a group, requests that ask for a
	 * retry (429, 5xx) go again together after the longest pause. */
	for (at = 0; at < n && bad == n; at += m) {
		m = n - at < MAX_PARALLEL ? n - at : MAX_PARALLEL;
		memset(x, 0, sizeof(x));
		for (k = 0; k < m; k++) {
			x[k].q = &q[at + k];
			x[k].tries = MAX_TRIES;
			x[k].state = X_PENDING;
		}
		for (;;) {
			for (nr = k = 0; k < m; k++)
				if (x[k].state == X_PENDING)
					run[nr++] = &x[k];
			if (nr == 0)
				break;
			if (!run_round(c, run, nr, err))
				goto fail;
			wait = 0;
			for (k = 0; k < nr; k++) {
				if (post(c, run[k]))
					run[k]->state = X_DONE;
				else if (run[k]->wait_ms == 0)
					run[k]->state = X_FAILED;
				run[k]->tries--;
				if (run[k]->wait_ms > wait)
					wait = run[k]->wait_ms;
			}
			if (wait > 0)
				pause_ms(wait);
		}
		for (k = 0; k < m && bad == n; k++)
			if (x[k].state != X_DONE) {
				bad = at + k;
				*err = x[k].err;
			}
	}
	if (bad == n)
		return true;
fail:
	/* Only the failed request's status stays (a 404 to look at). */
	for (i = 0; i < n; i++) {
		long st = i == bad ? q[i].resp.status : 0;

		mp_http_resp_fini(&q[i].resp);
		q[i].resp.status = st;
	}
	return false;
}

bool
mp_http_get(struct mp_http *c, const char *url, uint64_t off, uint64_t len,
    size_t cap, const char *accept, const char *what,
    struct mp_http_resp *r, struct mp_error *err)
{
	struct mp_http_req	q;
	bool			ok;

	memset(&q, 0, sizeof(q));
	q.url = url;
	q.off = off;
	q.len = len;
	q.cap = cap;
	q.accept = accept;
	q.what = what;
	ok = mp_http_get_many(c, &q, 1, err);
	*r = q.resp;
	return ok;
}
