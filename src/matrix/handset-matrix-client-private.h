/* handset-matrix-client-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by the files of the Matrix client (the object, requests,
 * discovery, login, endpoints); not for other code.
 */
#pragma once

#include <libsoup/soup.h>

#include "handset-matrix-client.h"

G_BEGIN_DECLS

struct _HandsetMatrixClient
{
  GObject parent_instance;

  SoupSession *session;
  char *homeserver;
  char *user_id;
  char *device_id;
  char *access_token;
  gboolean needs_login;
  guint network_retry_limit;
  guint txn_counter;
  gboolean media_legacy; /* no authenticated media: /_matrix/media/v3 */
};

void handset_matrix_client_set_needs_login (HandsetMatrixClient *self, gboolean needs_login);

char *handset_matrix_escape_segment (const char *segment);
const char *handset_matrix_object_get_string (JsonObject *object, const char *member);
gboolean handset_matrix_client_get_media_legacy (HandsetMatrixClient *self);
void handset_matrix_client_set_media_legacy (HandsetMatrixClient *self, gboolean legacy);

G_END_DECLS
