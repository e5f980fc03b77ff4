/* handset-matrix-uri.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HANDSET_MATRIX_URI_ERROR (handset_matrix_uri_error_quark ())

typedef enum
{
  HANDSET_MATRIX_URI_ERROR_INVALID,
} HandsetMatrixUriError;

GQuark handset_matrix_uri_error_quark (void);

typedef enum
{
  HANDSET_MATRIX_URI_KIND_USER,       /* matrix:u/alice:example.org    -> @alice:example.org */
  HANDSET_MATRIX_URI_KIND_ROOM_ALIAS, /* matrix:r/room:example.org     -> #room:example.org */
  HANDSET_MATRIX_URI_KIND_ROOM_ID,    /* matrix:roomid/abc:example.org -> !abc:example.org */
} HandsetMatrixUriKind;

typedef enum
{
  HANDSET_MATRIX_URI_ACTION_NONE,
  HANDSET_MATRIX_URI_ACTION_JOIN,
  HANDSET_MATRIX_URI_ACTION_CHAT,
  HANDSET_MATRIX_URI_ACTION_CALL, /* not in the spec: action=call */
} HandsetMatrixUriAction;

#define HANDSET_TYPE_MATRIX_URI (handset_matrix_uri_get_type ())

typedef struct _HandsetMatrixUri HandsetMatrixUri;

GType handset_matrix_uri_get_type (void) G_GNUC_CONST;

HandsetMatrixUri *handset_matrix_uri_ref (HandsetMatrixUri *uri);
void handset_matrix_uri_unref (HandsetMatrixUri *uri);

HandsetMatrixUri *handset_matrix_uri_parse (const char *text, GError **error);

HandsetMatrixUriKind handset_matrix_uri_get_kind (HandsetMatrixUri *uri);
const char *handset_matrix_uri_get_id (HandsetMatrixUri *uri);
const char *handset_matrix_uri_get_event_id (HandsetMatrixUri *uri);
HandsetMatrixUriAction handset_matrix_uri_get_action (HandsetMatrixUri *uri);
const char *const *handset_matrix_uri_get_via (HandsetMatrixUri *uri);

char *handset_matrix_uri_to_string (HandsetMatrixUri *uri);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HandsetMatrixUri, handset_matrix_uri_unref)

G_END_DECLS
