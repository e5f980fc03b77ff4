/* handset-media-cache.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Thumbnails of Matrix media, kept on disk in the profile's cache folder
 * so a restart does not fetch every avatar again. Files are named by
 * handset_mxc_thumbnail_file_name(), never by what the homeserver sent.
 * Disk reads and writes run in GTask threads; nothing here blocks the
 * main loop. Decoding is the caller's business: this layer hands out
 * bytes, and forgets them again when the caller finds them broken.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "handset-media-cache.h"
#include "handset-mxc.h"

struct _HandsetMediaCache
{
  GObject parent_instance;

  HandsetMatrixClient *client;
  char *directory;
};

G_DEFINE_FINAL_TYPE (HandsetMediaCache, handset_media_cache, G_TYPE_OBJECT)

typedef struct
{
  char *uri;
  char *directory;
  char *path;
  int width;
  int height;
  gboolean from_disk;
  GBytes *bytes; /* for writing */
} Entry;

static void
entry_free (Entry *entry)
{
  g_free (entry->uri);
  g_free (entry->directory);
  g_free (entry->path);
  g_clear_pointer (&entry->bytes, g_bytes_unref);
  g_free (entry);
}

static Entry *
entry_new (HandsetMediaCache *self, const char *uri, int width, int height)
{
  g_autofree char *file_name = handset_mxc_thumbnail_file_name (uri, width, height);
  Entry *entry;

  if (file_name == NULL)
    return NULL;

  entry = g_new0 (Entry, 1);
  entry->uri = g_strdup (uri);
  entry->directory = g_strdup (self->directory);
  entry->path = g_build_filename (self->directory, file_name, NULL);
  entry->width = width;
  entry->height = height;

  return entry;
}

/* ------------------------------------------------------------------ disk */

static void
read_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  Entry *entry = task_data;
  g_autoptr (GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (entry->path, &contents, &length, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_debug ("The cached thumbnail of %s cannot be read: %s", entry->uri, error->message);
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  if (length == 0 || length > HANDSET_MEDIA_CACHE_MAX_BYTES)
    {
      g_free (contents);
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  g_task_return_pointer (task, g_bytes_new_take (contents, length), (GDestroyNotify) g_bytes_unref);
}

static void
write_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  Entry *entry = task_data;
  g_autoptr (GError) error = NULL;
  gsize length = 0;
  const char *data = g_bytes_get_data (entry->bytes, &length);

  if (g_mkdir_with_parents (entry->directory, 0700) != 0)
    {
      int saved_errno = errno;

      g_message ("The media cache folder %s cannot be made: %s", entry->directory,
                 g_strerror (saved_errno));
    }
  else if (!g_file_set_contents_full (entry->path, data, (gssize) length,
                                      G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_message ("The thumbnail of %s cannot be kept on disk: %s", entry->uri, error->message);

  g_task_return_boolean (task, TRUE);
}

static void
forget_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  Entry *entry = task_data;

  if (g_unlink (entry->path) != 0 && errno != ENOENT)
    g_message ("The cached thumbnail of %s cannot be removed: %s", entry->uri, g_strerror (errno));
  g_task_return_boolean (task, TRUE);
}

/* Runs @func on a copy of @entry in a thread, with nobody waiting. */
static void
run_detached (HandsetMediaCache *self, Entry *entry, GBytes *bytes, GTaskThreadFunc func)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, NULL, NULL);
  Entry *copy = g_new0 (Entry, 1);

  copy->uri = g_strdup (entry->uri);
  copy->directory = g_strdup (entry->directory);
  copy->path = g_strdup (entry->path);
  copy->bytes = bytes ? g_bytes_ref (bytes) : NULL;
  g_task_set_task_data (task, copy, (GDestroyNotify) entry_free);
  g_task_run_in_thread (task, func);
}

/* ------------------------------------------------------------------ fetching */

static void
fetch_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  HandsetMediaCache *self = g_task_get_source_object (task);
  Entry *entry = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *content_type = NULL;

  bytes = handset_matrix_client_get_thumbnail_finish (HANDSET_MATRIX_CLIENT (object), result,
                                                      &content_type, &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (content_type == NULL || !g_str_has_prefix (content_type, "image/") ||
      g_bytes_get_size (bytes) == 0 || g_bytes_get_size (bytes) > HANDSET_MEDIA_CACHE_MAX_BYTES)
    {
      g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE,
                               _ ("The homeserver sent no usable image for %s"), entry->uri);
      return;
    }

  run_detached (self, entry, bytes, write_thread);
  g_task_return_pointer (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
}

static void
read_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  HandsetMediaCache *self = HANDSET_MEDIA_CACHE (object);
  Entry *entry = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  GCancellable *cancellable;
  GBytes *bytes;

  bytes = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_task_return_error_if_cancelled (task))
    {
      g_clear_pointer (&bytes, g_bytes_unref);
      return;
    }
  if (bytes != NULL)
    {
      entry->from_disk = TRUE;
      g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
      return;
    }

  cancellable = g_task_get_cancellable (task);
  handset_matrix_client_get_thumbnail_async (self->client, entry->uri, entry->width, entry->height,
                                             cancellable, fetch_cb, g_steal_pointer (&task));
}

/**
 * handset_media_cache_get_thumbnail_async:
 * @mxc_uri: an `mxc://` URI
 *
 * Gets a thumbnail of @mxc_uri: from the disk cache when it is there,
 * otherwise from the homeserver, keeping what came on disk.
 */
void
handset_media_cache_get_thumbnail_async (HandsetMediaCache *self,
                                         const char *mxc_uri,
                                         int width,
                                         int height,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GTask) read_task = NULL;
  Entry *entry;

  g_return_if_fail (HANDSET_IS_MEDIA_CACHE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, handset_media_cache_get_thumbnail_async);

  entry = entry_new (self, mxc_uri, width, height);
  if (entry == NULL)
    {
      g_task_return_new_error (task, HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_BAD_RESPONSE,
                               _ ("“%s” is not a Matrix media address"), mxc_uri ? mxc_uri : "");
      return;
    }
  g_task_set_task_data (task, entry, (GDestroyNotify) entry_free);

  read_task = g_task_new (self, cancellable, read_cb, g_steal_pointer (&task));
  g_task_set_task_data (read_task, entry, NULL);
  g_task_run_in_thread (read_task, read_thread);
}

/**
 * handset_media_cache_get_thumbnail_finish:
 * @from_disk: (out) (optional): whether the image came from the disk cache
 *
 * Returns: (transfer full): the image, as the homeserver sent it
 */
GBytes *
handset_media_cache_get_thumbnail_finish (HandsetMediaCache *self,
                                          GAsyncResult *result,
                                          gboolean *from_disk,
                                          GError **error)
{
  GBytes *bytes;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  bytes = g_task_propagate_pointer (G_TASK (result), error);
  if (from_disk != NULL)
    {
      Entry *entry = g_task_get_task_data (G_TASK (result));

      *from_disk = bytes != NULL && entry != NULL && entry->from_disk;
    }

  return bytes;
}

/**
 * handset_media_cache_forget:
 *
 * Removes the disk copy of a thumbnail, for one that turned out not to be
 * an image: the next request fetches it again.
 */
void
handset_media_cache_forget (HandsetMediaCache *self, const char *mxc_uri, int width, int height)
{
  Entry *entry;

  g_return_if_fail (HANDSET_IS_MEDIA_CACHE (self));

  entry = entry_new (self, mxc_uri, width, height);
  if (entry == NULL)
    return;
  run_detached (self, entry, NULL, forget_thread);
  entry_free (entry);
}

const char *
handset_media_cache_get_directory (HandsetMediaCache *self)
{
  g_return_val_if_fail (HANDSET_IS_MEDIA_CACHE (self), NULL);

  return self->directory;
}

/* ------------------------------------------------------------------ object */

static void
handset_media_cache_finalize (GObject *object)
{
  HandsetMediaCache *self = HANDSET_MEDIA_CACHE (object);

  g_clear_object (&self->client);
  g_free (self->directory);

  G_OBJECT_CLASS (handset_media_cache_parent_class)->finalize (object);
}

static void
handset_media_cache_class_init (HandsetMediaCacheClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = handset_media_cache_finalize;
}

static void
handset_media_cache_init (HandsetMediaCache *self)
{
}

/**
 * handset_media_cache_new:
 * @directory: where thumbnails are kept; made when the first one comes
 */
HandsetMediaCache *
handset_media_cache_new (HandsetMatrixClient *client, const char *directory)
{
  HandsetMediaCache *self;

  g_return_val_if_fail (HANDSET_IS_MATRIX_CLIENT (client), NULL);
  g_return_val_if_fail (directory != NULL, NULL);

  self = g_object_new (HANDSET_TYPE_MEDIA_CACHE, NULL);
  self->client = g_object_ref (client);
  self->directory = g_strdup (directory);

  return self;
}
