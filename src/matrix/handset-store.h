/* handset-store.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HANDSET_TYPE_STORE (handset_store_get_type ())
G_DECLARE_FINAL_TYPE (HandsetStore, handset_store, HANDSET, STORE, GObject)

HandsetStore *handset_store_new (const char *path, GError **error);

const char *handset_store_get_path (HandsetStore *self);
char *handset_store_get (HandsetStore *self, const char *key);
gboolean handset_store_set (HandsetStore *self, const char *key, const char *value, GError **error);
gboolean handset_store_delete_prefix (HandsetStore *self, const char *prefix, GError **error);
gpointer handset_store_get_db (HandsetStore *self);
gboolean handset_store_begin (HandsetStore *self, GError **error);
gboolean handset_store_commit (HandsetStore *self, GError **error);
void handset_store_rollback (HandsetStore *self);

G_END_DECLS
