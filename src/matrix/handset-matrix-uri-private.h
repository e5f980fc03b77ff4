/* handset-matrix-uri-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What handset-matrix-uri.c (the link, and writing it back) and
 * handset-matrix-uri-parse.c (reading it) share: the link's fields and the
 * names of its kinds and actions.
 */
#pragma once

#include "handset-matrix-uri.h"

G_BEGIN_DECLS

struct _HandsetMatrixUri
{
  HandsetMatrixUriKind kind;
  char *id;
  char *event_id;
  HandsetMatrixUriAction action;
  char **via;
};

typedef struct
{
  const char *segment;
  char sigil;
  const char *what;
} KindInfo;

#define N_KINDS   (HANDSET_MATRIX_URI_KIND_ROOM_ID + 1)
#define N_ACTIONS (HANDSET_MATRIX_URI_ACTION_CALL + 1)

/* By HandsetMatrixUriKind: the path segment of the matrix: form, the sigil
 * and what the ID is called in error messages. */
extern const KindInfo handset_matrix_uri_kinds[N_KINDS];
/* By HandsetMatrixUriAction: the value of action=, NULL for none. */
extern const char *const handset_matrix_uri_action_names[N_ACTIONS];

G_END_DECLS
