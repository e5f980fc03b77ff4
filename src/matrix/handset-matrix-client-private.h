/* handset-matrix-client-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by the files of the Matrix client (transport, discovery, login,
 * endpoints); not for other code.
 */
#pragma once

#include "handset-matrix-client.h"

G_BEGIN_DECLS

char *handset_matrix_escape_segment (const char *segment);
const char *handset_matrix_object_get_string (JsonObject *object, const char *member);
gboolean handset_matrix_client_get_media_legacy (HandsetMatrixClient *self);
void handset_matrix_client_set_media_legacy (HandsetMatrixClient *self, gboolean legacy);

G_END_DECLS
