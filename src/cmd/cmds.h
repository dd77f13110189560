/* The subcommands: one file each, listed in src/main.c's table. */
#ifndef WARD_CMDS_H
#define WARD_CMDS_H

int ward_cmd_watch(int argc, char **argv);
int ward_cmd_config(int argc, char **argv);
int ward_cmd_footprints(int argc, char **argv);
int ward_cmd_log(int argc, char **argv);
int ward_cmd_daemon(int argc, char **argv);
int ward_cmd_events(int argc, char **argv);
int ward_cmd_status(int argc, char **argv);
int ward_cmd_profile(int argc, char **argv);
int ward_cmd_rules(int argc, char **argv);

#endif
