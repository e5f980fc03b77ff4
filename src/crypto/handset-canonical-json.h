/* handset-canonical-json.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Canonical JSON (the Matrix appendix): keys sorted by code point, no
 * insignificant white space, UTF-8, integers only. What is signed is the
 * canonical form of an object without its "signatures" and "unsigned".
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

char *handset_canonical_json (JsonNode *node, GError **error);
char *handset_canonical_json_for_signing (JsonObject *object, GError **error);

G_END_DECLS
