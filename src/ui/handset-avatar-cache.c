/* handset-avatar-cache.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Avatar images for one session: `mxc://` URI → GdkTexture, in memory,
 * over the session's HandsetMediaCache (disk, then homeserver). Each URI
 * is fetched once however many widgets show it; an avatar widget keeps
 * its initials until the image is there, and for good when there is no
 * image or it cannot be had.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include "handset-avatar-cache.h"
#include "handset-mxc.h"

#define AVATAR_URL_KEY "handset-avatar-url"

/* An avatar is a thumbnail: anything larger than this, in bytes or on
 * either side, is not decoded (a server could send any image). */
#define MAX_AVATAR_BYTES (4 * 1024 * 1024)
#define MAX_AVATAR_SIDE  2048

struct _HandsetAvatarCache
{
  GObject parent_instance;

  HandsetMediaCache *media;
  GCancellable *cancellable;
  GHashTable *textures; /* URI → GdkTexture */
  GHashTable *pending;  /* URI → GPtrArray of GTask waiting for it */
  GHashTable *failed;   /* URIs with no image to show, for this session */
};

G_DEFINE_FINAL_TYPE (HandsetAvatarCache, handset_avatar_cache, G_TYPE_OBJECT)

static GQuark
session_quark (void)
{
  return g_quark_from_static_string ("handset-avatar-cache");
}

typedef struct
{
  HandsetAvatarCache *cache;
  char *uri;
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  g_object_unref (fetch->cache);
  g_free (fetch->uri);
  g_free (fetch);
}

static void
finish_waiting (HandsetAvatarCache *self, const char *uri, GdkTexture *texture, const GError *error)
{
  g_autoptr (GPtrArray) waiting = NULL;
  g_autofree char *key = NULL;

  if (!g_hash_table_steal_extended (self->pending, uri, (gpointer *) &key, (gpointer *) &waiting))
    return;

  for (guint i = 0; i < waiting->len; i++)
    {
      GTask *task = g_ptr_array_index (waiting, i);

      if (texture != NULL)
        g_task_return_pointer (task, g_object_ref (texture), g_object_unref);
      else
        g_task_return_error (task, g_error_copy (error));
    }
}

static void
size_prepared_cb (GdkPixbufLoader *loader, int width, int height, gboolean *too_large)
{
  /* A zero size makes the loader stop before it allocates the image. */
  if (width > MAX_AVATAR_SIDE || height > MAX_AVATAR_SIDE)
    {
      *too_large = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);
    }
}

/* In a worker thread: the image, decoded, or why not. */
static void
decode_in_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  GBytes *bytes = data;
  g_autoptr (GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr (GError) error = NULL;
  gboolean too_large = FALSE;
  GdkPixbuf *pixbuf = NULL;
  gboolean ok;

  if (g_bytes_get_size (bytes) > MAX_AVATAR_BYTES)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                               "%zu bytes, more than an avatar may have", g_bytes_get_size (bytes));
      return;
    }
  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb), &too_large);
  ok = gdk_pixbuf_loader_write_bytes (loader, bytes, &error);
  /* Closed whatever happened; its error only counts when the write went. */
  ok = gdk_pixbuf_loader_close (loader, ok ? &error : NULL) && ok;
  if (ok)
    pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      if (too_large)
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                                 "more than %d pixels on a side, too large for an avatar",
                                 MAX_AVATAR_SIDE);
      else if (error != NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no image");
      return;
    }
  g_task_return_pointer (task, g_object_ref (pixbuf), g_object_unref);
}

static void decoded_cb (GObject *object, GAsyncResult *result, gpointer user_data);
static void fetch_done (Fetch *fetch, GdkTexture *texture, GError *error, gboolean from_disk);

static void
fetched_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Fetch *fetch = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  gboolean from_disk = FALSE;

  bytes = handset_media_cache_get_thumbnail_finish (HANDSET_MEDIA_CACHE (object), result,
                                                    &from_disk, &error);
  if (bytes != NULL)
    {
      /* Decoded off the main thread: a large image does not stop the
       * window. */
      GTask *task = g_task_new (fetch->cache, fetch->cache->cancellable, decoded_cb, fetch);

      g_object_set_data (G_OBJECT (task), "from-disk", GINT_TO_POINTER (from_disk));
      g_task_set_task_data (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
      g_task_run_in_thread (task, decode_in_thread);
      g_object_unref (task);
      return;
    }
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("The avatar %s cannot be fetched: %s", fetch->uri, error->message);
  fetch_done (fetch, NULL, error, FALSE);
}

static void
decoded_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Fetch *fetch = user_data;
  HandsetAvatarCache *self = fetch->cache;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkPixbuf) pixbuf = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr (GdkTexture) texture = NULL;

  if (pixbuf != NULL)
    texture = gdk_texture_new_for_pixbuf (pixbuf);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_message ("The avatar %s is not an image Handset can show: %s", fetch->uri, error->message);
      /* Not kept on disk either: the next session asks again. */
      handset_media_cache_forget (self->media, fetch->uri, HANDSET_AVATAR_THUMBNAIL_SIZE,
                                  HANDSET_AVATAR_THUMBNAIL_SIZE);
    }
  fetch_done (fetch, texture, error,
              GPOINTER_TO_INT (g_object_get_data (G_OBJECT (result), "from-disk")));
}

/* Takes @fetch. */
static void
fetch_done (Fetch *fetch, GdkTexture *texture, GError *error, gboolean from_disk)
{
  HandsetAvatarCache *self = fetch->cache;

  if (texture != NULL)
    {
      g_debug ("Avatar %s: %d×%d, from %s", fetch->uri, gdk_texture_get_width (texture),
               gdk_texture_get_height (texture), from_disk ? "the disk cache" : "the homeserver");
      g_hash_table_replace (self->textures, g_strdup (fetch->uri), g_object_ref (texture));
    }
  /* A network failure may pass; anything else stays as it is for this
   * session, so list rows that come and go do not ask again and again. */
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
           !g_error_matches (error, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NETWORK))
    g_hash_table_add (self->failed, g_strdup (fetch->uri));

  finish_waiting (self, fetch->uri, texture, error);
  fetch_free (fetch);
}

/**
 * handset_avatar_cache_lookup:
 *
 * Returns: (transfer none) (nullable): the image of @mxc_uri, when it is
 *   already in memory
 */
GdkTexture *
handset_avatar_cache_lookup (HandsetAvatarCache *self, const char *mxc_uri)
{
  g_return_val_if_fail (HANDSET_IS_AVATAR_CACHE (self), NULL);

  return mxc_uri ? g_hash_table_lookup (self->textures, mxc_uri) : NULL;
}

/**
 * handset_avatar_cache_load_async:
 * @mxc_uri: an `mxc://` URI
 *
 * Gets the image of @mxc_uri: from memory, or through the media cache,
 * sharing one fetch between everyone who asks while it runs.
 */
void
handset_avatar_cache_load_async (HandsetAvatarCache *self,
                                 const char *mxc_uri,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  GdkTexture *texture;
  GPtrArray *waiting;
  Fetch *fetch;

  g_return_if_fail (HANDSET_IS_AVATAR_CACHE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, handset_avatar_cache_load_async);

  if (mxc_uri == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "No avatar");
      return;
    }
  if ((texture = handset_avatar_cache_lookup (self, mxc_uri)) != NULL)
    {
      g_task_return_pointer (task, g_object_ref (texture), g_object_unref);
      return;
    }
  if (g_hash_table_contains (self->failed, mxc_uri))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "The avatar %s could not be had before", mxc_uri);
      return;
    }

  waiting = g_hash_table_lookup (self->pending, mxc_uri);
  if (waiting != NULL)
    {
      g_ptr_array_add (waiting, g_steal_pointer (&task));
      return;
    }

  waiting = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (waiting, g_steal_pointer (&task));
  g_hash_table_insert (self->pending, g_strdup (mxc_uri), waiting);

  fetch = g_new0 (Fetch, 1);
  fetch->cache = g_object_ref (self);
  fetch->uri = g_strdup (mxc_uri);
  handset_media_cache_get_thumbnail_async (self->media, mxc_uri, HANDSET_AVATAR_THUMBNAIL_SIZE,
                                           HANDSET_AVATAR_THUMBNAIL_SIZE, self->cancellable,
                                           fetched_cb, fetch);
}

/**
 * handset_avatar_cache_load_finish:
 *
 * Returns: (transfer full): the image
 */
GdkTexture *
handset_avatar_cache_load_finish (HandsetAvatarCache *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  GWeakRef avatar;
  char *uri;
} Binding;

static void
binding_free (Binding *binding)
{
  g_weak_ref_clear (&binding->avatar);
  g_free (binding->uri);
  g_free (binding);
}

static void
bound_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Binding *binding = user_data;
  g_autoptr (AdwAvatar) avatar = g_weak_ref_get (&binding->avatar);
  g_autoptr (GdkTexture) texture = NULL;

  texture = handset_avatar_cache_load_finish (HANDSET_AVATAR_CACHE (object), result, NULL);
  /* The widget may be gone, or show someone else by now. */
  if (texture != NULL && avatar != NULL &&
      g_strcmp0 (g_object_get_data (G_OBJECT (avatar), AVATAR_URL_KEY), binding->uri) == 0)
    adw_avatar_set_custom_image (avatar, GDK_PAINTABLE (texture));
  binding_free (binding);
}

/**
 * handset_avatar_cache_bind:
 * @self: (nullable): the cache, or %NULL to show initials only
 * @mxc_uri: (nullable): the person's avatar
 *
 * Makes @avatar show the image of @mxc_uri as soon as it is there, and
 * its initials until then, or for good when there is none.
 */
void
handset_avatar_cache_bind (HandsetAvatarCache *self, AdwAvatar *avatar, const char *mxc_uri)
{
  Binding *binding;
  GdkTexture *texture;

  g_return_if_fail (self == NULL || HANDSET_IS_AVATAR_CACHE (self));
  g_return_if_fail (ADW_IS_AVATAR (avatar));

  /* Anything but a media address is no avatar: initials, no request. */
  if (self == NULL || !handset_mxc_parse (mxc_uri, NULL, NULL))
    mxc_uri = NULL;
  g_object_set_data_full (G_OBJECT (avatar), AVATAR_URL_KEY, g_strdup (mxc_uri), g_free);

  texture = mxc_uri ? handset_avatar_cache_lookup (self, mxc_uri) : NULL;
  adw_avatar_set_custom_image (avatar, texture ? GDK_PAINTABLE (texture) : NULL);
  if (mxc_uri == NULL || texture != NULL || g_hash_table_contains (self->failed, mxc_uri))
    return;

  binding = g_new0 (Binding, 1);
  g_weak_ref_init (&binding->avatar, avatar);
  binding->uri = g_strdup (mxc_uri);
  handset_avatar_cache_load_async (self, mxc_uri, NULL, bound_cb, binding);
}

/* ------------------------------------------------------------------ object */

static void
handset_avatar_cache_dispose (GObject *object)
{
  HandsetAvatarCache *self = HANDSET_AVATAR_CACHE (object);

  g_cancellable_cancel (self->cancellable);

  G_OBJECT_CLASS (handset_avatar_cache_parent_class)->dispose (object);
}

static void
handset_avatar_cache_finalize (GObject *object)
{
  HandsetAvatarCache *self = HANDSET_AVATAR_CACHE (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->media);
  g_hash_table_unref (self->textures);
  g_hash_table_unref (self->pending);
  g_hash_table_unref (self->failed);

  G_OBJECT_CLASS (handset_avatar_cache_parent_class)->finalize (object);
}

static void
handset_avatar_cache_class_init (HandsetAvatarCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = handset_avatar_cache_dispose;
  object_class->finalize = handset_avatar_cache_finalize;
}

static void
handset_avatar_cache_init (HandsetAvatarCache *self)
{
  self->cancellable = g_cancellable_new ();
  self->textures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->pending =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

HandsetAvatarCache *
handset_avatar_cache_new (HandsetMediaCache *media)
{
  HandsetAvatarCache *self;

  g_return_val_if_fail (HANDSET_IS_MEDIA_CACHE (media), NULL);

  self = g_object_new (HANDSET_TYPE_AVATAR_CACHE, NULL);
  self->media = g_object_ref (media);

  return self;
}

/* The session is gone: fetches still running are of no use. */
static void
release_for_session (gpointer data)
{
  HandsetAvatarCache *self = data;

  g_cancellable_cancel (self->cancellable);
  g_object_unref (self);
}

/**
 * handset_avatar_cache_get_for_session:
 * @session: (nullable): a session
 *
 * Returns: (transfer none) (nullable): the one avatar cache of @session,
 *   made on first use
 */
HandsetAvatarCache *
handset_avatar_cache_get_for_session (HandsetSession *session)
{
  HandsetAvatarCache *self;

  if (session == NULL || handset_session_get_media_cache (session) == NULL)
    return NULL;

  self = g_object_get_qdata (G_OBJECT (session), session_quark ());
  if (self == NULL)
    {
      self = handset_avatar_cache_new (handset_session_get_media_cache (session));
      g_object_set_qdata_full (G_OBJECT (session), session_quark (), self, release_for_session);
    }

  return self;
}
