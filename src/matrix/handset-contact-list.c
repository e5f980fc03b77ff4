/* handset-contact-list.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The people we have direct chats with, as a GListModel of HandsetContact:
 * every user that `m.direct` names with a room we share, and the other
 * member of every joined room of exactly two. Worked out again when the
 * rooms or `m.direct` change; when a batch changed only some rooms' state,
 * each of those rooms is looked at alone: while the people it could give
 * as contacts stay the same, only the contacts using it are updated (a
 * rename costs one contact, not a walk over every room). A contact object stays the same object, at
 * the same position, for as long as its person stays in the list, and newcomers come last. The
 * model says what changed and no more: the positions that left, each contact whose name changed (so
 * a sorted view can move that one), and the newcomers. Sorting is for whoever shows the list.
 * Making a direct chat with someone new is handset-contact-list-ensure.c.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include "handset-contact-list-private.h"

static void handset_contact_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HandsetContactList,
                               handset_contact_list,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      handset_contact_list_model_init))

static GType
model_get_item_type (GListModel *model)
{
  return HANDSET_TYPE_CONTACT;
}

static guint
model_get_n_items (GListModel *model)
{
  return HANDSET_CONTACT_LIST (model)->items->len;
}

static gpointer
model_get_item (GListModel *model, guint position)
{
  HandsetContactList *self = HANDSET_CONTACT_LIST (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
handset_contact_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = model_get_item_type;
  iface->get_n_items = model_get_n_items;
  iface->get_item = model_get_item;
}

static gboolean
is_present (HandsetRoom *room, const char *user_id)
{
  const char *membership = handset_room_get_membership (room, user_id);

  return g_strcmp0 (membership, "join") == 0 || g_strcmp0 (membership, "invite") == 0;
}

/* The room a call to @user_id goes to, and the other member's profile. */
typedef struct
{
  HandsetRoom *room;
  const char *user_id;
} Candidate;

static void
add_candidate (GHashTable *found, HandsetRoom *room, const char *user_id)
{
  Candidate *candidate;

  if (g_hash_table_contains (found, user_id))
    return;

  candidate = g_new0 (Candidate, 1);
  candidate->room = room;
  candidate->user_id = user_id;
  g_hash_table_insert (found, (gpointer) user_id, candidate);
}

/* More changes than this in one go are told as one change of everything. */
#define MAX_CHANGES 16

static void
update_contact (HandsetContact *contact, Candidate *candidate)
{
  handset_contact_update (contact,
                          handset_room_get_member_name (candidate->room, candidate->user_id),
                          handset_room_get_member_avatar_url (candidate->room, candidate->user_id),
                          handset_room_get_id (candidate->room));
}

static int
compare_user_ids (gconstpointer a, gconstpointer b)
{
  return strcmp (handset_contact_get_user_id (*(HandsetContact *const *) a),
                 handset_contact_get_user_id (*(HandsetContact *const *) b));
}

/* A new name: that position alone, for a sorted view to move it. It
 * leaves and comes back as two changes: as one, a sorted view would say
 * that everything between its old and new place changed, and a list view
 * would follow it there. Empties @renamed. */
static void
announce_renamed (HandsetContactList *self, GHashTable *renamed)
{
  for (guint i = 0; g_hash_table_size (renamed) > 0 && i < self->items->len; i++)
    if (g_hash_table_remove (renamed, g_ptr_array_index (self->items, i)))
      {
        HandsetContact *contact = g_ptr_array_steal_index (self->items, i);

        g_list_model_items_changed (G_LIST_MODEL (self), i, 1, 0);
        g_ptr_array_insert (self->items, (int) i, contact);
        g_list_model_items_changed (G_LIST_MODEL (self), i, 0, 1);
      }
}

/* The list becomes @found (user ID → Candidate, emptied on the way). */
static void
apply_found (HandsetContactList *self, GHashTable *found)
{
  guint old_len = self->items->len;
  g_autofree gboolean *gone = g_new0 (gboolean, old_len + 1);
  g_autoptr (GHashTable) renamed = g_hash_table_new (NULL, NULL);
  g_autoptr (GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  guint removed_runs = 0;

  /* Who stays, and whose name changed. */
  for (guint i = 0; i < old_len; i++)
    {
      HandsetContact *contact = g_ptr_array_index (self->items, i);
      Candidate *candidate = g_hash_table_lookup (found, handset_contact_get_user_id (contact));
      g_autofree char *name = NULL;

      if (candidate == NULL)
        {
          gone[i] = TRUE;
          if (i == 0 || !gone[i - 1])
            removed_runs++;
          continue;
        }
      name = g_strdup (handset_contact_get_display_name (contact));
      update_contact (contact, candidate);
      if (g_strcmp0 (name, handset_contact_get_display_name (contact)) != 0)
        g_hash_table_add (renamed, contact);
      g_hash_table_remove (found, handset_contact_get_user_id (contact));
    }

  /* Newcomers, by user ID so that the same rooms give the same list. */
  {
    GHashTableIter iter;
    Candidate *candidate;

    g_hash_table_iter_init (&iter, found);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &candidate))
      {
        HandsetContact *contact = handset_contact_new (candidate->user_id);

        update_contact (contact, candidate);
        g_ptr_array_add (added, contact);
      }
    g_ptr_array_sort (added, compare_user_ids);
  }

  if (removed_runs + g_hash_table_size (renamed) > MAX_CHANGES)
    {
      /* Too much at once (the first sync, a logout): one change. */
      for (guint i = old_len; i > 0; i--)
        if (gone[i - 1])
          {
            g_hash_table_remove (self->by_user, handset_contact_get_user_id (
                                                    g_ptr_array_index (self->items, i - 1)));
            g_ptr_array_remove_index (self->items, i - 1);
          }
      for (guint i = 0; i < added->len; i++)
        {
          HandsetContact *contact = g_ptr_array_index (added, i);

          g_ptr_array_add (self->items, g_object_ref (contact));
          g_hash_table_insert (self->by_user, (gpointer) handset_contact_get_user_id (contact),
                               g_object_ref (contact));
        }
      g_list_model_items_changed (G_LIST_MODEL (self), 0, old_len, self->items->len);
      return;
    }

  /* Those who left, a run at a time from the end, so that each change
   * leaves the list as it says. */
  for (guint end = old_len; end > 0;)
    {
      guint start = end;

      while (start > 0 && gone[start - 1])
        start--;
      if (start == end)
        {
          end--;
          continue;
        }
      for (guint i = start; i < end; i++)
        g_hash_table_remove (self->by_user,
                             handset_contact_get_user_id (g_ptr_array_index (self->items, i)));
      g_ptr_array_remove_range (self->items, start, end - start);
      g_list_model_items_changed (G_LIST_MODEL (self), start, end - start, 0);
      end = start;
    }

  announce_renamed (self, renamed);

  if (added->len > 0)
    {
      guint position = self->items->len;

      for (guint i = 0; i < added->len; i++)
        {
          HandsetContact *contact = g_ptr_array_index (added, i);

          g_ptr_array_add (self->items, g_object_ref (contact));
          g_hash_table_insert (self->by_user, (gpointer) handset_contact_get_user_id (contact),
                               g_object_ref (contact));
        }
      g_list_model_items_changed (G_LIST_MODEL (self), position, 0, added->len);
    }
}

/* What @room alone could give as contacts: a line "d@user" for each
 * person m.direct names it for who is present in it, then "p@user" for
 * the other member when it is a room of two we are in. rebuild() picks
 * among these; while a room's offer stays the same, so do its picks. */
static char *
room_offer (HandsetContactList *self, HandsetRoom *room)
{
  const char *own = handset_rooms_get_own_user_id (self->rooms);
  GPtrArray *direct_users = g_hash_table_lookup (self->direct_by_room, handset_room_get_id (room));
  GString *offer = g_string_new (NULL);

  for (guint i = 0; direct_users != NULL && i < direct_users->len; i++)
    if (is_present (room, g_ptr_array_index (direct_users, i)))
      g_string_append_printf (offer, "d%s\n", (char *) g_ptr_array_index (direct_users, i));

  if (handset_room_get_n_members (room) == 2 && is_present (room, own))
    {
      g_autoptr (GPtrArray) members = handset_room_get_members (room);

      for (guint j = 0; j < members->len; j++)
        if (!g_str_equal (g_ptr_array_index (members, j), own))
          g_string_append_printf (offer, "p%s\n", (char *) g_ptr_array_index (members, j));
    }

  return g_string_free (offer, FALSE);
}

static void
rebuild (HandsetContactList *self)
{
  const char *own = handset_rooms_get_own_user_id (self->rooms);
  g_autoptr (GHashTable) found = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr (GPtrArray) joined = handset_rooms_get_joined (self->rooms);
  JsonObject *direct = handset_rooms_get_direct (self->rooms);

  g_hash_table_remove_all (self->direct_by_room);
  g_hash_table_remove_all (self->offers);

  /* m.direct first: it names the room the person chose for direct chat. */
  if (direct != NULL)
    {
      g_autoptr (GList) users = json_object_get_members (direct);

      for (GList *l = users; l != NULL; l = l->next)
        {
          const char *user_id = l->data;
          g_autoptr (GPtrArray) room_ids = NULL;

          if (g_strcmp0 (user_id, own) == 0 || user_id[0] != '@')
            continue;
          room_ids = handset_rooms_get_direct_rooms (self->rooms, user_id);
          for (guint i = 0; i < room_ids->len; i++)
            {
              HandsetRoom *room =
                  handset_rooms_lookup (self->rooms, g_ptr_array_index (room_ids, i));

              if (room != NULL && is_present (room, user_id))
                {
                  add_candidate (found, room, user_id);
                  break;
                }
            }
          /* Each room's side of m.direct, for room_offer(). */
          for (guint i = 0; i < room_ids->len; i++)
            {
              const char *room_id = g_ptr_array_index (room_ids, i);
              GPtrArray *named = g_hash_table_lookup (self->direct_by_room, room_id);

              if (named == NULL)
                {
                  named = g_ptr_array_new_with_free_func (g_free);
                  g_hash_table_insert (self->direct_by_room, g_strdup (room_id), named);
                }
              g_ptr_array_add (named, g_strdup (user_id));
            }
        }
    }

  /* Then every room of two: ourselves and one other. */
  for (guint i = 0; i < joined->len; i++)
    {
      HandsetRoom *room = g_ptr_array_index (joined, i);
      g_autoptr (GPtrArray) members = NULL;

      g_hash_table_insert (self->offers, g_strdup (handset_room_get_id (room)),
                           room_offer (self, room));
      if (handset_room_get_n_members (room) != 2 || !is_present (room, own))
        continue;
      members = handset_room_get_members (room);
      for (guint j = 0; j < members->len; j++)
        {
          const char *user_id = g_ptr_array_index (members, j);

          if (!g_str_equal (user_id, own))
            add_candidate (found, room, user_id);
        }
    }

  apply_found (self, found);
}

/* Only the state of @room_ids changed, not which rooms there are nor
 * m.direct. Returns FALSE, having changed nothing, when that changed who
 * the rooms could give as contacts: then only rebuild() can tell. */
static gboolean
update_rooms (HandsetContactList *self, GHashTable *room_ids)
{
  g_autoptr (GHashTable) renamed = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, room_ids);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      HandsetRoom *room = handset_rooms_lookup (self->rooms, key);
      const char *before = g_hash_table_lookup (self->offers, key);
      g_autofree char *offer = NULL;

      if (room == NULL || before == NULL)
        return FALSE;
      offer = room_offer (self, room);
      if (!g_str_equal (offer, before))
        return FALSE;
    }

  /* The same people, from the same rooms: the contacts that use these
   * rooms take their names and pictures again. */
  g_hash_table_iter_init (&iter, room_ids);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      HandsetRoom *room = handset_rooms_lookup (self->rooms, key);
      g_auto (GStrv) lines = g_strsplit (g_hash_table_lookup (self->offers, key), "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        {
          const char *user_id = lines[i][0] != '\0' ? lines[i] + 1 : NULL;
          HandsetContact *contact = user_id ? g_hash_table_lookup (self->by_user, user_id) : NULL;
          g_autofree char *name = NULL;
          Candidate candidate = { room, user_id };

          if (contact == NULL ||
              g_strcmp0 (handset_contact_get_room_id (contact), handset_room_get_id (room)) != 0)
            continue;
          name = g_strdup (handset_contact_get_display_name (contact));
          update_contact (contact, &candidate);
          if (g_strcmp0 (name, handset_contact_get_display_name (contact)) != 0)
            g_hash_table_add (renamed, contact);
        }
    }

  if (g_hash_table_size (renamed) > MAX_CHANGES)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, self->items->len, self->items->len);
  else
    announce_renamed (self, renamed);

  return TRUE;
}

static void
rooms_changed_cb (HandsetRooms *rooms,
                  gboolean structural,
                  GHashTable *room_ids,
                  HandsetContactList *self)
{
  if (structural || room_ids == NULL || !update_rooms (self, room_ids))
    rebuild (self);
}

static void
handset_contact_list_dispose (GObject *object)
{
  HandsetContactList *self = HANDSET_CONTACT_LIST (object);

  if (self->rooms != NULL)
    g_signal_handlers_disconnect_by_data (self->rooms, self);
  g_clear_object (&self->rooms);

  G_OBJECT_CLASS (handset_contact_list_parent_class)->dispose (object);
}

static void
handset_contact_list_finalize (GObject *object)
{
  HandsetContactList *self = HANDSET_CONTACT_LIST (object);

  g_ptr_array_unref (self->items);
  g_hash_table_unref (self->by_user);
  g_hash_table_unref (self->creating);
  g_hash_table_unref (self->profile_names);
  g_hash_table_unref (self->direct_by_room);
  g_hash_table_unref (self->offers);

  G_OBJECT_CLASS (handset_contact_list_parent_class)->finalize (object);
}

static void
handset_contact_list_class_init (HandsetContactListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = handset_contact_list_dispose;
  object_class->finalize = handset_contact_list_finalize;
}

static void
handset_contact_list_init (HandsetContactList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_user = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
  self->creating = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->profile_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->direct_by_room =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->offers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

HandsetContactList *
handset_contact_list_new (HandsetRooms *rooms)
{
  HandsetContactList *self = g_object_new (HANDSET_TYPE_CONTACT_LIST, NULL);

  self->rooms = g_object_ref (rooms);
  g_signal_connect (rooms, "changed", G_CALLBACK (rooms_changed_cb), self);
  rebuild (self);

  return self;
}

/**
 * handset_contact_list_find:
 *
 * Returns: (transfer none) (nullable): the contact for @user_id
 */
HandsetContact *
handset_contact_list_find (HandsetContactList *self, const char *user_id)
{
  g_return_val_if_fail (HANDSET_IS_CONTACT_LIST (self), NULL);

  return g_hash_table_lookup (self->by_user, user_id);
}
