/* handset-mxc.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Matrix media addresses, `mxc://server-name/media-id`. What comes from a
 * room's state is taken apart here once, strictly, before any of it
 * reaches a request path or a file name.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include "handset-matrix-id.h"
#include "handset-mxc.h"

#define MXC_PREFIX         "mxc://"
#define MEDIA_ID_MAX       255
#define THUMBNAIL_SIZE_MAX 4096

/* The spec allows only [A-Za-z0-9_-] in media IDs: no dots, no slashes,
 * so nothing that could climb out of a path. */
static gboolean
media_id_is_valid (const char *id)
{
  gsize len = strlen (id);

  if (len == 0 || len > MEDIA_ID_MAX)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '_' && id[i] != '-')
      return FALSE;

  return TRUE;
}

/**
 * handset_mxc_parse:
 * @uri: (nullable): what should be an `mxc://` URI
 * @server_name: (out) (optional): the server name
 * @media_id: (out) (optional): the media ID
 *
 * Returns: whether @uri is a well-formed media address; when it is not,
 *   the out arguments are left alone
 */
gboolean
handset_mxc_parse (const char *uri, char **server_name, char **media_id)
{
  const char *rest;
  const char *slash;

  if (uri == NULL || !g_str_has_prefix (uri, MXC_PREFIX))
    return FALSE;

  rest = uri + strlen (MXC_PREFIX);
  slash = strchr (rest, '/');
  if (slash == NULL || !handset_matrix_server_name_is_valid (rest, (gsize) (slash - rest)) ||
      !media_id_is_valid (slash + 1))
    return FALSE;

  if (server_name != NULL)
    *server_name = g_strndup (rest, (gsize) (slash - rest));
  if (media_id != NULL)
    *media_id = g_strdup (slash + 1);

  return TRUE;
}

/**
 * handset_mxc_thumbnail_key:
 *
 * Names one thumbnail of one piece of media: the same image at another
 * size is another entry of a cache.
 *
 * Returns: (transfer full) (nullable): the key, or %NULL when @uri is not
 *   a media address or the size makes no sense
 */
char *
handset_mxc_thumbnail_key (const char *uri, int width, int height)
{
  g_autofree char *server_name = NULL;
  g_autofree char *media_id = NULL;

  if (width <= 0 || height <= 0 || width > THUMBNAIL_SIZE_MAX || height > THUMBNAIL_SIZE_MAX ||
      !handset_mxc_parse (uri, &server_name, &media_id))
    return NULL;

  return g_strdup_printf (MXC_PREFIX "%s/%s#%dx%d", server_name, media_id, width, height);
}

/**
 * handset_mxc_thumbnail_file_name:
 *
 * A file name for the thumbnail in an on-disk cache: the SHA-256 of its
 * key, so the name has no part that came from the homeserver.
 *
 * Returns: (transfer full) (nullable): 64 hexadecimal digits, or %NULL as
 *   handset_mxc_thumbnail_key() returns it
 */
char *
handset_mxc_thumbnail_file_name (const char *uri, int width, int height)
{
  g_autofree char *key = handset_mxc_thumbnail_key (uri, width, height);

  if (key == NULL)
    return NULL;

  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);
}
