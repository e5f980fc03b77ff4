/* main.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "handset-application.h"

int
main (int argc, char *argv[])
{
  g_autoptr (HandsetApplication) application = NULL;
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_ ("Handset"));

  application = handset_application_new ();

  status = g_application_run (G_APPLICATION (application), argc, argv);

  /* A command run here may have finished after its handler returned. */
  return status != 0 ? status : handset_application_get_local_exit_status (application);
}
