/* handset-matrix-id.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A Matrix identifier, sigil included, is at most this long. */
#define HANDSET_MATRIX_ID_MAX_BYTES 255

char *handset_matrix_id_problem (const char *id);
gboolean handset_matrix_id_is_valid (const char *id);
gboolean handset_matrix_server_name_is_valid (const char *name, gsize length);

G_END_DECLS
