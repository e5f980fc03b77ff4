/* handset-contact.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One person we have a direct chat with: who, under which name and
 * avatar, and the room a call to them goes to.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include "handset-contact.h"

struct _HandsetContact
{
  GObject parent_instance;

  char *user_id;
  char *display_name;
  char *avatar_url;
  char *room_id;
};

G_DEFINE_FINAL_TYPE (HandsetContact, handset_contact, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_USER_ID,
  PROP_DISPLAY_NAME,
  PROP_AVATAR_URL,
  PROP_ROOM_ID,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
handset_contact_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HandsetContact *self = HANDSET_CONTACT (object);

  switch (prop_id)
    {
      case PROP_USER_ID:
        g_value_set_string (value, self->user_id);
        break;
      case PROP_DISPLAY_NAME:
        g_value_set_string (value, handset_contact_get_display_name (self));
        break;
      case PROP_AVATAR_URL:
        g_value_set_string (value, self->avatar_url);
        break;
      case PROP_ROOM_ID:
        g_value_set_string (value, self->room_id);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
handset_contact_finalize (GObject *object)
{
  HandsetContact *self = HANDSET_CONTACT (object);

  g_free (self->user_id);
  g_free (self->display_name);
  g_free (self->avatar_url);
  g_free (self->room_id);

  G_OBJECT_CLASS (handset_contact_parent_class)->finalize (object);
}

static void
handset_contact_class_init (HandsetContactClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = handset_contact_get_property;
  object_class->finalize = handset_contact_finalize;

  props[PROP_USER_ID] =
      g_param_spec_string ("user-id", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_DISPLAY_NAME] =
      g_param_spec_string ("display-name", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_AVATAR_URL] =
      g_param_spec_string ("avatar-url", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_ROOM_ID] =
      g_param_spec_string ("room-id", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
handset_contact_init (HandsetContact *self)
{
}

HandsetContact *
handset_contact_new (const char *user_id)
{
  HandsetContact *self = g_object_new (HANDSET_TYPE_CONTACT, NULL);

  self->user_id = g_strdup (user_id);

  return self;
}

/**
 * handset_user_id_localpart:
 *
 * Returns: (transfer full): `alice` for `@alice:example.org`
 */
char *
handset_user_id_localpart (const char *user_id)
{
  const char *start = user_id[0] == '@' ? user_id + 1 : user_id;
  const char *colon = strchr (start, ':');

  return colon ? g_strndup (start, (gsize) (colon - start)) : g_strdup (start);
}

const char *
handset_contact_get_user_id (HandsetContact *self)
{
  return self->user_id;
}

/**
 * handset_contact_get_display_name:
 *
 * Returns: the name to show: the display name, or the user ID's local part
 */
const char *
handset_contact_get_display_name (HandsetContact *self)
{
  if (self->display_name == NULL || *self->display_name == '\0')
    {
      g_free (self->display_name);
      self->display_name = handset_user_id_localpart (self->user_id);
    }

  return self->display_name;
}

/**
 * handset_contact_get_avatar_url:
 *
 * Returns: (nullable): the avatar, an `mxc://` URI
 */
const char *
handset_contact_get_avatar_url (HandsetContact *self)
{
  return self->avatar_url;
}

const char *
handset_contact_get_room_id (HandsetContact *self)
{
  return self->room_id;
}

static void
set_field (HandsetContact *self, char **field, const char *value, GParamSpec *pspec)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

/**
 * handset_contact_update:
 * @display_name: (nullable): the display name; %NULL for the local part
 */
void
handset_contact_update (HandsetContact *self,
                        const char *display_name,
                        const char *avatar_url,
                        const char *room_id)
{
  g_autofree char *name = (display_name && *display_name)
                              ? g_strdup (display_name)
                              : handset_user_id_localpart (self->user_id);

  set_field (self, &self->display_name, name, props[PROP_DISPLAY_NAME]);
  set_field (self, &self->avatar_url, avatar_url, props[PROP_AVATAR_URL]);
  set_field (self, &self->room_id, room_id, props[PROP_ROOM_ID]);
}
