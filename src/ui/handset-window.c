/* handset-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-window.h"

struct _HandsetWindow
{
  AdwApplicationWindow parent_instance;

  AdwWindowTitle *window_title;
  AdwStatusPage *status_page;
};

G_DEFINE_FINAL_TYPE (HandsetWindow, handset_window, ADW_TYPE_APPLICATION_WINDOW)

static void
handset_window_class_init (HandsetWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/handset/Handset/ui/handset-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HandsetWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, HandsetWindow, status_page);
}

static void
handset_window_init (HandsetWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * handset_window_new:
 * @profile_name: (nullable): the profile's name, shown as the subtitle when
 *   it is not the default one, so two profiles side by side can be told apart
 */
HandsetWindow *
handset_window_new (AdwApplication *application, const char *profile_name)
{
  HandsetWindow *self = g_object_new (HANDSET_TYPE_WINDOW, "application", application, NULL);

  if (profile_name != NULL)
    {
      g_autofree char *subtitle = g_strdup_printf (_ ("Profile “%s”"), profile_name);

      adw_window_title_set_subtitle (self->window_title, subtitle);
    }

  return self;
}
