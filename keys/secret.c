/*
 * Secrets: the store key and account passwords in the Secret Service
 * (libsecret), and the passphrase fallback for the store key.
 *
 * libsecret, and GLib with it, is loaded (dlopen) only when a Secret
 * Service is to be asked: a command that finds the store key kept for the
 * session, or that has no session bus, never maps those libraries, which
 * cost a process as much time as its own work. A system without libsecret
 * reads as having no Secret Service.
 *
 * Every Secret Service exchange runs under a deadline: a helper thread
 * cancels the GCancellable the calls share when the time is up, so a
 * hung keyring daemon costs KEYS_SECRET_TIMEOUT_MS, not D-Bus's 25 s
 * twice over. Without a session bus sealmail never calls libsecret at all
 * (GLib would try to autolaunch one through X11). A locked or missing
 * default collection is reported as such: libsecret would answer a lookup
 * in it with "nothing stored", the same as for a key never made.
 *
 * The passphrase fallback derives the store key with scrypt (N = 2^17,
 * r = 8, p = 1: 128 MiB and about half a second per try on this class of
 * machine), with a random 16-byte salt; salt and parameters are kept
 * beside the database in store.kdf.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libsecret/secret.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "base/buf.h"
#include "base/dl.h"
#include "base/err.h"
#include "base/secmem.h"
#include "base/text.h"
#include "store/store.h"
#include "keys/keys.h"

#define KDF_NAME	"store.kdf"
#define KDF_NEW		"store.kdf.new"
#define KDF_N		(1UL << 17)
#define KDF_R		8UL
#define KDF_P		1UL
#define KDF_SALT	16
#define KDF_MAXMEM	(512UL * 1024 * 1024)

static const SecretSchema store_schema = {
	.name = "org.sealmail.StoreKey",
	.flags = SECRET_SCHEMA_NONE,
	.attributes = {
		{ "home", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "slot", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ NULL, 0 },
	},
};

static const SecretSchema password_schema = {
	.name = "org.sealmail.Password",
	.flags = SECRET_SCHEMA_NONE,
	.attributes = {
		{ "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ NULL, 0 },
	},
};

#define SS_LIBRARY	"libsecret-1.so.0"

/*
 * What sealmail calls in libsecret and GLib, found in the loaded library
 * (GLib's through libsecret's own dependencies). The variadic calls go
 * through their va_list forms (ss_variant_new, ss_variant_get,
 * ss_attributes).
 */
static struct {
	SecretService	*(*service_get_sync)(SecretServiceFlags,
			    GCancellable *, GError **);
	SecretValue	*(*service_lookup_sync)(SecretService *,
			    const SecretSchema *, GHashTable *, GCancellable *,
			    GError **);
	void		 (*value_unref)(gpointer);
	gchar		*(*value_unref_to_password)(SecretValue *,
			    gsize *);
	gboolean	 (*password_storev_sync)(const SecretSchema *,
			    GHashTable *, const gchar *, const gchar *,
			    const gchar *, GCancellable *, GError **);
	gboolean	 (*password_clearv_sync)(const SecretSchema *,
			    GHashTable *, GCancellable *, GError **);
	void		 (*password_free)(gchar *);
	GHashTable	*(*attributes_buildv)(const SecretSchema *, va_list);
	GCancellable	*(*cancellable_new)(void);
	void		 (*cancellable_cancel)(GCancellable *);
	void		 (*object_unref)(gpointer);
	gboolean	 (*error_matches)(const GError *, GQuark, gint);
	void		 (*error_free)(GError *);
	GQuark		 (*io_error_quark)(void);
	GVariant	*(*connection_call_sync)(GDBusConnection *,
			    const gchar *, const gchar *, const gchar *,
			    const gchar *, GVariant *, const GVariantType *,
			    GDBusCallFlags, gint, GCancellable *, GError **);
	GDBusConnection	*(*proxy_get_connection)(GDBusProxy *);
	const gchar	*(*proxy_get_name)(GDBusProxy *);
	const gchar	*(*proxy_get_object_path)(GDBusProxy *);
	GVariant	*(*variant_new_va)(const gchar *, const gchar **,
			    va_list *);
	void		 (*variant_get_va)(GVariant *, const gchar *,
			    const gchar **, va_list *);
	void		 (*variant_unref)(GVariant *);
	gboolean	 (*variant_is_of_type)(GVariant *,
			    const GVariantType *);
	gboolean	 (*variant_get_boolean)(GVariant *);
	void		 (*hash_table_unref)(GHashTable *);
} ss;
static pthread_once_t	 ss_once = PTHREAD_ONCE_INIT;
/* Why libsecret cannot be used; empty once it is loaded. */
static char		 ss_why[160] = "not loaded";

#define SS_FN(f, name)	{ name, (void **)&ss.f }

static const struct dl_fn ss_fns[] = {
	SS_FN(service_get_sync, "secret_service_get_sync"),
	SS_FN(service_lookup_sync, "secret_service_lookup_sync"),
	SS_FN(value_unref, "secret_value_unref"),
	SS_FN(value_unref_to_password, "secret_value_unref_to_password"),
	SS_FN(password_storev_sync, "secret_password_storev_sync"),
	SS_FN(password_clearv_sync, "secret_password_clearv_sync"),
	SS_FN(password_free, "secret_password_free"),
	SS_FN(attributes_buildv, "secret_attributes_buildv"),
	SS_FN(cancellable_new, "g_cancellable_new"),
	SS_FN(cancellable_cancel, "g_cancellable_cancel"),
	SS_FN(object_unref, "g_object_unref"),
	SS_FN(error_matches, "g_error_matches"),
	SS_FN(error_free, "g_error_free"),
	SS_FN(io_error_quark, "g_io_error_quark"),
	SS_FN(connection_call_sync, "g_dbus_connection_call_sync"),
	SS_FN(proxy_get_connection, "g_dbus_proxy_get_connection"),
	SS_FN(proxy_get_name, "g_dbus_proxy_get_name"),
	SS_FN(proxy_get_object_path, "g_dbus_proxy_get_object_path"),
	SS_FN(variant_new_va, "g_variant_new_va"),
	SS_FN(variant_get_va, "g_variant_get_va"),
	SS_FN(variant_unref, "g_variant_unref"),
	SS_FN(variant_is_of_type, "g_variant_is_of_type"),
	SS_FN(variant_get_boolean, "g_variant_get_boolean"),
	SS_FN(hash_table_unref, "g_hash_table_unref"),
};

/*
 * GLib, which libsecret brings, is never unloaded (it is marked so), and
 * nothing of libsecret has run when a function is found missing.
 */
static void
ss_load_once(void)
{
	if (dl_load(SS_LIBRARY, ss_fns, sizeof(ss_fns) / sizeof(ss_fns[0]),
	    ss_why, sizeof(ss_why)) == 0)
		ss_why[0] = '\0';
}

/* Loads libsecret once per process: 0, or SMERR_SECRET saying why not. */
static int
ss_load(struct smerr *e)
{
	pthread_once(&ss_once, ss_load_once);
	if (ss_why[0] != '\0')
		return smerr_set(e, SMERR_SECRET, "no Secret Service: %s",
		    ss_why);
	return 0;
}

static GVariant *
ss_variant_new(const char *format, ...)
{
	GVariant	*v;
	va_list		 ap;

	va_start(ap, format);
	v = ss.variant_new_va(format, NULL, &ap);
	va_end(ap);
	return v;
}

static void
ss_variant_get(GVariant *v, const char *format, ...)
{
	va_list	ap;

	va_start(ap, format);
	ss.variant_get_va(v, format, NULL, &ap);
	va_end(ap);
}

/* The attributes of schema sc, name and value pairs up to a NULL. */
static GHashTable *
ss_attributes(const SecretSchema *sc, ...)
{
	GHashTable	*h;
	va_list		 ap;

	va_start(ap, sc);
	h = ss.attributes_buildv(sc, ap);
	va_end(ap);
	return h;
}

/* A deadline over a run of libsecret calls. */
struct deadline {
	GCancellable	*cancel;
	pthread_t	 thread;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	struct timespec	 until;
	int		 done;
	int		 fired;
	int		 running;
};

static void *
deadline_main(void *arg)
{
	struct deadline	*d = arg;
	int		 rc = 0;

	pthread_mutex_lock(&d->mtx);
	while (!d->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&d->cv, &d->mtx, &d->until);
	if (!d->done) {
		d->fired = 1;
		ss.cancellable_cancel(d->cancel);
	}
	pthread_mutex_unlock(&d->mtx);
	return NULL;
}

static long
secret_timeout_ms(void)
{
	const char	*s = getenv("SEALMAIL_SECRET_TIMEOUT_MS");
	char		*end;
	long		 v;

	if (s != NULL && *s != '\0') {
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno == 0 && *end == '\0' && v > 0 && v <= 600000)
			return v;
	}
	return KEYS_SECRET_TIMEOUT_MS;
}

static int
deadline_start(struct deadline *d, struct smerr *e)
{
	pthread_condattr_t	ca;
	long			ms = secret_timeout_ms();

	memset(d, 0, sizeof(*d));
	if ((d->cancel = ss.cancellable_new()) == NULL)
		return smerr_nomem(e);
	pthread_mutex_init(&d->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cv, &ca);
	pthread_condattr_destroy(&ca);
	clock_gettime(CLOCK_MONOTONIC, &d->until);
	d->until.tv_sec += ms / 1000;
	d->until.tv_nsec += (ms % 1000) * 1000000L;
	if (d->until.tv_nsec >= 1000000000L) {
		d->until.tv_sec++;
		d->until.tv_nsec -= 1000000000L;
	}
	if (pthread_create(&d->thread, NULL, deadline_main, d) != 0) {
		ss.object_unref(d->cancel);
		return smerr_set(e, SMERR_NOMEM, "cannot start a thread");
	}
	d->running = 1;
	return 0;
}

static void
deadline_stop(struct deadline *d)
{
	if (!d->running)
		return;
	pthread_mutex_lock(&d->mtx);
	d->done = 1;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mtx);
	pthread_join(d->thread, NULL);
	pthread_cond_destroy(&d->cv);
	pthread_mutex_destroy(&d->mtx);
	ss.object_unref(d->cancel);
	d->running = 0;
}

/* Turns a GError into one line, naming a passed deadline as such. */
static int
gerr(struct smerr *e, struct deadline *d, GError *err, const char *what)
{
	int	r;

	if (d->fired || (err != NULL && ss.error_matches(err,
	    ss.io_error_quark(), G_IO_ERROR_CANCELLED)))
		r = smerr_set(e, SMERR_SECRET, "the Secret Service did not "
		    "answer within %ld ms (%s)", secret_timeout_ms(), what);
	else
		r = smerr_set(e, SMERR_SECRET, "the Secret Service failed "
		    "(%s): %s", what, err != NULL ? err->message : "no reason");
	if (err != NULL)
		ss.error_free(err);
	return r;
}

/* 1 when a session bus can be reached without autolaunching one. */
static int
have_bus(void)
{
	const char	*a = getenv("DBUS_SESSION_BUS_ADDRESS");
	const char	*rt = getenv("XDG_RUNTIME_DIR");
	struct stat	 sb;
	char		 p[PATH_MAX];

	if (a != NULL && *a != '\0')
		return 1;
	if (rt == NULL || *rt == '\0' ||
	    snprintf(p, sizeof(p), "%s/bus", rt) >= (int)sizeof(p))
		return 0;
	return stat(p, &sb) == 0 && S_ISSOCK(sb.st_mode);
}

/*
 * One call on the Secret Service's connection, under the deadline d. A
 * SecretService is a GDBusProxy; a GVariantType is its type string.
 */
static GVariant *
ss_call(struct deadline *d, SecretService *svc, const char *path,
    const char *iface, const char *method, GVariant *args,
    const char *type, GError **errp)
{
	GDBusProxy	*px = (GDBusProxy *)(void *)svc;

	return ss.connection_call_sync(ss.proxy_get_connection(px),
	    ss.proxy_get_name(px), path, iface, method, args,
	    (const GVariantType *)type, G_DBUS_CALL_FLAGS_NONE, -1, d->cancel,
	    errp);
}

/*
 * Whether the default collection is locked: its path (ReadAlias) and its
 * Locked property, two calls, where a collection object would cost six.
 * 0 and *lockedp; else the error.
 */
static int
default_locked(struct deadline *d, SecretService *svc, int *lockedp,
    struct smerr *e)
{
	GVariant	*reply, *v = NULL;
	GError		*err = NULL;
	const gchar	*path = NULL;
	int		 r = 0;

	reply = ss_call(d, svc,
	    ss.proxy_get_object_path((GDBusProxy *)(void *)svc),
	    "org.freedesktop.Secret.Service", "ReadAlias",
	    ss_variant_new("(s)", SECRET_COLLECTION_DEFAULT), "(o)", &err);
	if (reply == NULL)
		return gerr(e, d, err, "finding the default collection");
	ss_variant_get(reply, "(&o)", &path);
	if (strcmp(path, "/") == 0) {
		ss.variant_unref(reply);
		return smerr_set(e, SMERR_SECRET, "the Secret Service has no "
		    "default collection");
	}
	v = ss_call(d, svc, path, "org.freedesktop.DBus.Properties", "Get",
	    ss_variant_new("(ss)", "org.freedesktop.Secret.Collection",
	    "Locked"), "(v)", &err);
	ss.variant_unref(reply);
	if (v == NULL)
		return gerr(e, d, err, "reading the default collection");
	ss_variant_get(v, "(v)", &reply);
	ss.variant_unref(v);
	if (!ss.variant_is_of_type(reply, G_VARIANT_TYPE_BOOLEAN))
		r = smerr_set(e, SMERR_SECRET, "the Secret Service's default "
		    "collection has no Locked property");
	else
		*lockedp = ss.variant_get_boolean(reply);
	ss.variant_unref(reply);
	return r;
}

/*
 * Connects and checks the default collection: present and unlocked.
 * On success *svcp holds a reference (caller unrefs).
 */
static int
secret_probe(struct deadline *d, SecretService **svcp, struct smerr *e)
{
	SecretService	*svc;
	GError		*err = NULL;
	int		 r, locked = 0;

	*svcp = NULL;
	svc = ss.service_get_sync(SECRET_SERVICE_OPEN_SESSION, d->cancel,
	    &err);
	if (svc == NULL)
		return gerr(e, d, err, "connecting");
	if ((r = default_locked(d, svc, &locked, e)) != 0) {
		ss.object_unref(svc);
		return r;
	}
	if (locked) {
		ss.object_unref(svc);
		return smerr_set(e, SMERR_SECRET, "the Secret Service's "
		    "default collection is locked");
	}
	*svcp = svc;
	return 0;
}

static void
secret_done(SecretService *svc)
{
	if (svc != NULL)
		ss.object_unref(svc);
}

/*
 * Loads libsecret, starts a deadline in d and probes the Secret Service
 * (secret_probe): 0, and ss_close ends both; else the error, with nothing
 * left to end.
 */
static int
ss_open(struct deadline *d, SecretService **svcp, struct smerr *e)
{
	int	r;

	*svcp = NULL;
	if (!have_bus())
		return smerr_set(e, SMERR_SECRET, "no Secret Service: there is "
		    "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not "
		    "set)");
	if ((r = ss_load(e)) != 0 || (r = deadline_start(d, e)) != 0)
		return r;
	if ((r = secret_probe(d, svcp, e)) != 0)
		deadline_stop(d);
	return r;
}

static void
ss_close(struct deadline *d, SecretService *svc)
{
	secret_done(svc);
	deadline_stop(d);
}

/* The absolute form of datadir, which keys the Secret Service item. */
static char *
home_id(const char *datadir)
{
	char	*p;

	if ((p = realpath(datadir, NULL)) != NULL)
		return p;
	return strdup(datadir);
}

static char *
kdf_path(const char *datadir, const char *name)
{
	char	*p;

	if (asprintf(&p, "%s/%s", datadir, name) == -1)
		return NULL;
	return p;
}

int
keys_store_uses_passphrase(const char *datadir)
{
	struct stat	 sb;
	char		*p;
	int		 r;

	if ((p = kdf_path(datadir, KDF_NAME)) == NULL)
		return 0;
	r = stat(p, &sb) == 0;
	free(p);
	return r;
}

struct kdf {
	uint64_t	n, r, p;
	uint8_t		salt[KDF_SALT];
};

/* Reads "sealmail-kdf 1 scrypt N r p SALTHEX" strictly. */
static int
kdf_read(const char *path, struct kdf *k, struct smerr *e)
{
	char		 line[256], salt[2 * KDF_SALT + 2];
	unsigned long	 n, r, p;
	ssize_t		 len;
	int		 fd, end = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return smerr_set(e, SMERR_IO, "%s: %s", path, strerror(errno));
	len = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (len <= 0)
		return smerr_set(e, SMERR_IO, "%s: cannot read", path);
	line[len] = '\0';
	if (sscanf(line, "sealmail-kdf 1 scrypt %lu %lu %lu %33s%n", &n, &r,
	    &p, salt, &end) != 4 || end == 0 ||
	    (line[end] != '\n' && line[end] != '\0') ||
	    n < 1024 || n > (1UL << 22) || (n & (n - 1)) != 0 ||
	    r == 0 || r > 32 || p == 0 || p > 16 ||
	    text_hex_decode(salt, k->salt, KDF_SALT) != 0)
		return smerr_set(e, SMERR_PARSE, "%s: malformed", path);
	k->n = n;
	k->r = r;
	k->p = p;
	return 0;
}

static int
kdf_write(const char *path, const struct kdf *k, struct smerr *e)
{
	char	 line[256], salt[2 * KDF_SALT + 1], *tmp = NULL;
	int	 fd = -1, len, r = 0;

	text_hex_encode(k->salt, KDF_SALT, salt);
	len = snprintf(line, sizeof(line), "sealmail-kdf 1 scrypt %lu %lu "
	    "%lu %s\n", (unsigned long)k->n, (unsigned long)k->r,
	    (unsigned long)k->p, salt);
	if (asprintf(&tmp, "%s.tmp", path) == -1)
		return smerr_nomem(e);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1 || write(fd, line, (size_t)len) != len ||
	    fsync(fd) == -1) {
		r = smerr_set(e, SMERR_IO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) == -1)
		r = smerr_set(e, SMERR_IO, "%s: %s", path, strerror(errno));
out:
	if (fd != -1)
		close(fd);
	if (r != 0)
		unlink(tmp);
	free(tmp);
	return r;
}

static int
kdf_derive(const struct kdf *k, const struct buf *pass, uint8_t key[32],
    struct smerr *e)
{
	if (buf_len(pass) == 0)
		return smerr_set(e, SMERR_INVAL, "empty passphrase");
	if (EVP_PBE_scrypt((const char *)buf_data(pass), buf_len(pass),
	    k->salt, sizeof(k->salt), k->n, k->r, k->p, KDF_MAXMEM, key,
	    32) != 1)
		return smerr_set(e, SMERR_CRYPTO, "scrypt key derivation "
		    "failed");
	return 0;
}

static int
kdf_new(const char *path, const struct buf *pass, uint8_t key[32],
    struct smerr *e)
{
	struct kdf	k;
	int		r;

	if (buf_len(pass) == 0)
		return smerr_set(e, SMERR_INVAL, "empty passphrase");
	k.n = KDF_N;
	k.r = KDF_R;
	k.p = KDF_P;
	if (RAND_bytes(k.salt, sizeof(k.salt)) != 1)
		return smerr_set(e, SMERR_CRYPTO, "no random bytes");
	if ((r = kdf_derive(&k, pass, key, e)) != 0)
		return r;
	return kdf_write(path, &k, e);
}

/*
 * Looks up the secret of attrs (schema sc) over svc's own session, that
 * of the probe: libsecret's secret_password_lookup would open a second
 * one, with its own key exchange, for every process. *pwp NULL when
 * absent; else freed with ss.password_free. Unrefs attrs.
 */
static int
ss_find(struct deadline *d, SecretService *svc, const SecretSchema *sc,
    GHashTable *attrs, gchar **pwp, const char *what, struct smerr *e)
{
	SecretValue	*v;
	GError		*err = NULL;
	gsize		 len;

	*pwp = NULL;
	if (attrs == NULL)
		return smerr_nomem(e);
	v = ss.service_lookup_sync(svc, sc, attrs, d->cancel, &err);
	ss.hash_table_unref(attrs);
	if (err != NULL) {
		if (v != NULL)
			ss.value_unref(v);
		return gerr(e, d, err, what);
	}
	if (v != NULL)
		*pwp = ss.value_unref_to_password(v, &len);
	return 0;
}

/* Looks up the store key item of home in slot; *keyp NULL when absent. */
static int
ss_lookup(struct deadline *d, SecretService *svc, const char *home,
    const char *slot, gchar **keyp, struct smerr *e)
{
	return ss_find(d, svc, &store_schema, ss_attributes(&store_schema,
	    "home", home, "slot", slot, NULL), keyp,
	    "looking up the store key", e);
}

/*
 * Keeps secret under label in the default collection, as the item of
 * attrs (schema sc). Unrefs attrs.
 */
static int
ss_put(struct deadline *d, const SecretSchema *sc, GHashTable *attrs,
    const char *label, const char *secret, const char *what,
    struct smerr *e)
{
	GError		*err = NULL;
	gboolean	 ok;

	if (attrs == NULL)
		return smerr_nomem(e);
	ok = ss.password_storev_sync(sc, attrs, SECRET_COLLECTION_DEFAULT,
	    label, secret, d->cancel, &err);
	ss.hash_table_unref(attrs);
	if (!ok)
		return gerr(e, d, err, what);
	return 0;
}

static int
ss_store(struct deadline *d, const char *home, const char *slot,
    const uint8_t key[32], struct smerr *e)
{
	char	hex[65], *label = NULL;
	int	r;

	if (asprintf(&label, "sealmail store key for %s", home) == -1)
		return smerr_nomem(e);
	text_hex_encode(key, 32, hex);
	r = ss_put(d, &store_schema, ss_attributes(&store_schema, "home",
	    home, "slot", slot, NULL), label, hex, "storing the store key", e);
	secmem_wipe(hex, sizeof(hex));
	free(label);
	return r;
}

static int
ss_clear(struct deadline *d, const char *home, const char *slot,
    struct smerr *e)
{
	GHashTable	*attrs;
	GError		*err = NULL;

	if ((attrs = ss_attributes(&store_schema, "home", home, "slot", slot,
	    NULL)) == NULL)
		return smerr_nomem(e);
	ss.password_clearv_sync(&store_schema, attrs, d->cancel, &err);
	ss.hash_table_unref(attrs);
	if (err != NULL)
		return gerr(e, d, err, "removing a store key");
	return 0;
}

/*
 * Reads the store key kept in slot into key. *gotp: 1 read, 0 none kept,
 * -1 malformed. 0, or the Secret Service's error.
 */
static int
ss_key_read(struct deadline *d, SecretService *svc, const char *home,
    const char *slot, uint8_t key[32], int *gotp, struct smerr *e)
{
	gchar	*hex = NULL;
	int	 r;

	*gotp = 0;
	if ((r = ss_lookup(d, svc, home, slot, &hex, e)) != 0 || hex == NULL)
		return r;
	*gotp = text_hex_decode(hex, key, 32) == 0 ? 1 : -1;
	ss.password_free(hex);
	return 0;
}

static int
random_key(uint8_t key[32], struct smerr *e)
{
	if (RAND_priv_bytes(key, 32) != 1)
		return smerr_set(e, SMERR_CRYPTO, "no random bytes");
	return 0;
}

/* The KDF file kdf of datadir and the store's Secret Service id. */
static int
key_names(const char *datadir, const char *kdf, char **pathp, char **homep,
    struct smerr *e)
{
	*pathp = kdf_path(datadir, kdf);
	*homep = home_id(datadir);
	if (*pathp == NULL || *homep == NULL)
		return smerr_nomem(e);
	return 0;
}

/* Frees path and home; wipes key unless r is 0. Returns r. */
static int
key_done(char *path, char *home, uint8_t key[32], int r)
{
	free(path);
	free(home);
	if (r != 0)
		secmem_wipe(key, 32);
	return r;
}

static int
store_key_secret(const char *datadir, const char *home, uint8_t key[32],
    struct smerr *e)
{
	struct deadline	 d;
	SecretService	*svc = NULL;
	int		 r, got;

	if ((r = ss_open(&d, &svc, e)) != 0) {
		secmem_wipe(key, 32);
		return r;
	}
	if ((r = ss_key_read(&d, svc, home, "current", key, &got, e)) != 0)
		goto out;
	if (got != 0) {
		if (got < 0)
			r = smerr_set(e, SMERR_SECRET, "the store key in the "
			    "Secret Service is malformed");
		goto out;
	}
	if (store_exists(datadir)) {
		r = smerr_set(e, SMERR_NOTFOUND, "the Secret Service holds no "
		    "key for the store in %s", datadir);
		goto out;
	}
	if ((r = random_key(key, e)) == 0)
		r = ss_store(&d, home, "current", key, e);
out:
	ss_close(&d, svc);
	if (r != 0)
		secmem_wipe(key, 32);
	return r;
}

int
keys_store_key(const char *datadir, const struct buf *pass, uint8_t key[32],
    struct smerr *e)
{
	struct kdf	 k;
	char		*path = NULL, *home = NULL;
	int		 r;

	if (datadir == NULL)
		return smerr_set(e, SMERR_INVAL, "keys_store_key: no directory");
	if ((r = key_names(datadir, KDF_NAME, &path, &home, e)) != 0)
		goto out;
	if (pass == NULL) {
		if (keys_store_uses_passphrase(datadir))
			r = smerr_set(e, SMERR_SECRET, "the store in %s is "
			    "protected by a passphrase", datadir);
		else
			r = store_key_secret(datadir, home, key, e);
		goto out;
	}
	if (keys_store_uses_passphrase(datadir)) {
		if ((r = kdf_read(path, &k, e)) == 0)
			r = kdf_derive(&k, pass, key, e);
	} else if (store_exists(datadir))
		r = smerr_set(e, SMERR_SECRET, "the key of the store in %s is "
		    "kept in the Secret Service, which does not answer; a "
		    "passphrase cannot open it", datadir);
	else
		r = kdf_new(path, pass, key, e);
out:
	return key_done(path, home, key, r);
}

int
keys_store_key_new(const char *datadir, const struct buf *pass,
    uint8_t key[32], struct smerr *e)
{
	struct deadline	 d;
	SecretService	*svc = NULL;
	char		*path = NULL, *home = NULL;
	int		 r;

	if ((r = key_names(datadir, KDF_NEW, &path, &home, e)) != 0)
		goto out;
	if (pass != NULL) {
		r = kdf_new(path, pass, key, e);
		goto out;
	}
	if ((r = random_key(key, e)) == 0 &&
	    (r = ss_open(&d, &svc, e)) == 0) {
		r = ss_store(&d, home, "next", key, e);
		ss_close(&d, svc);
	}
out:
	return key_done(path, home, key, r);
}

int
keys_store_key_commit(const char *datadir, int passphrase, struct smerr *e)
{
	struct deadline	 d;
	SecretService	*svc = NULL;
	uint8_t		 key[32];
	char		*cur = NULL, *nxt = NULL, *home = NULL;
	int		 r, got;

	if ((r = key_names(datadir, KDF_NAME, &cur, &home, e)) != 0)
		goto out;
	if ((nxt = kdf_path(datadir, KDF_NEW)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	if (passphrase) {
		keys_keyring_forget(datadir);	/* before store.kdf changes */
		if (rename(nxt, cur) == -1) {
			r = smerr_set(e, SMERR_IO, "%s: %s", nxt,
			    strerror(errno));
			goto out;
		}
		r = 0;
		/* A key left in the Secret Service no longer opens anything. */
		if (have_bus() && ss_open(&d, &svc, NULL) == 0) {
			(void)ss_clear(&d, home, "current", NULL);
			ss_close(&d, svc);
		}
		goto out;
	}
	keys_keyring_forget(datadir);	/* the passphrase no longer keys it */
	if ((r = ss_open(&d, &svc, e)) != 0)
		goto out;
	if ((r = ss_key_read(&d, svc, home, "next", key, &got, e)) == 0) {
		if (got != 1)
			r = smerr_set(e, SMERR_SECRET, "the new store key is "
			    "missing from the Secret Service");
		else if ((r = ss_store(&d, home, "current", key, e)) == 0)
			(void)ss_clear(&d, home, "next", NULL);
		secmem_wipe(key, sizeof(key));
	}
	ss_close(&d, svc);
	if (r == 0 && unlink(cur) == -1 && errno != ENOENT)
		r = smerr_set(e, SMERR_IO, "%s: %s", cur, strerror(errno));
out:
	free(cur);
	free(nxt);
	free(home);
	return r;
}

int
keys_store_key_pending(const char *datadir, const struct buf *pass,
    uint8_t key[32], int *passphrasep, struct smerr *e)
{
	struct deadline	 d;
	struct stat	 sb;
	struct kdf	 k;
	SecretService	*svc = NULL;
	char		*nxt = NULL, *home = NULL;
	int		 r, got;

	*passphrasep = 0;
	if ((r = key_names(datadir, KDF_NEW, &nxt, &home, e)) != 0)
		goto out;
	if (pass != NULL && stat(nxt, &sb) == 0) {
		if ((r = kdf_read(nxt, &k, e)) == 0 &&
		    (r = kdf_derive(&k, pass, key, e)) == 0)
			*passphrasep = 1;
		goto out;
	}
	if (!have_bus()) {
		r = smerr_set(e, SMERR_NOTFOUND, "no change of key pending");
		goto out;
	}
	if ((r = ss_open(&d, &svc, e)) != 0)
		goto out;
	if ((r = ss_key_read(&d, svc, home, "next", key, &got, e)) == 0) {
		if (got == 0)
			r = smerr_set(e, SMERR_NOTFOUND, "no change of key "
			    "pending");
		else if (got < 0)
			r = smerr_set(e, SMERR_SECRET, "the pending store key "
			    "is malformed");
	}
	ss_close(&d, svc);
out:
	return key_done(nxt, home, key, r);
}

int
keys_password_get(const char *account, char **pwp, struct smerr *e)
{
	struct deadline	 d;
	SecretService	*svc = NULL;
	gchar		*pw = NULL;
	int		 r;

	*pwp = NULL;
	if ((r = ss_open(&d, &svc, e)) != 0)
		return r;
	if ((r = ss_find(&d, svc, &password_schema, ss_attributes(
	    &password_schema, "account", account, NULL), &pw,
	    "looking up a password", e)) != 0)
		goto out;
	if (pw == NULL) {
		r = smerr_set(e, SMERR_NOTFOUND, "no password for %s in the "
		    "Secret Service", account);
		goto out;
	}
	if ((*pwp = strdup(pw)) == NULL)
		r = smerr_nomem(e);
out:
	if (pw != NULL)
		ss.password_free(pw);
	ss_close(&d, svc);
	return r;
}

int
keys_password_set(const char *account, const char *pw, struct smerr *e)
{
	struct deadline	 d;
	SecretService	*svc = NULL;
	char		*label = NULL;
	int		 r;

	if ((r = ss_open(&d, &svc, e)) != 0)
		return r;
	if (asprintf(&label, "sealmail password for %s", account) == -1) {
		r = smerr_nomem(e);
		goto out;
	}
	r = ss_put(&d, &password_schema, ss_attributes(&password_schema,
	    "account", account, NULL), label, pw, "storing a password", e);
out:
	free(label);
	ss_close(&d, svc);
	return r;
}
