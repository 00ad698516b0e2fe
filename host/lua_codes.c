/* lua_codes.c - marshals the catalogue (codes.c), read-only: nianbao.kinds, nianbao.codes
 * and nianbao.bodies_file. */
#include "codes.h"
#include "coder.h"
#include "lua_nb.h"
#include "texts.h"

static const char *const type_names[] = {"text", "date", "category", "integer", "money"};
static const char *const rule_names[] = {"order", "pair"};

/* Pushes the '|'-separated words of LIST as an array. */
static void push_words(lua_State *L, const char *list)
{
    lua_newtable(L);
    int n = 0;
    for (const char *p = list; p && *p;) {
        const char *bar = p;
        while (*bar && *bar != '|')
            bar++;
        lua_pushlstring(L, p, (size_t)(bar - p));
        lua_rawseti(L, -2, ++n);
        p = *bar ? bar + 1 : NULL;
    }
}

static void set_str(lua_State *L, const char *key, const char *v)
{
    if (!v)
        return;
    lua_pushstring(L, v);
    lua_setfield(L, -2, key);
}

static void set_int(lua_State *L, const char *key, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, key);
}

static void push_field(lua_State *L, const nb_field *f)
{
    lua_createtable(L, 0, 9);
    set_str(L, "name", f->name);
    push_words(L, f->aliases);
    lua_setfield(L, -2, "aliases");
    set_str(L, "type", type_names[f->type]);
    lua_pushboolean(L, f->required);
    lua_setfield(L, -2, "required");
    set_str(L, "dict", f->type == NB_F_CAT ? (f->dict ? f->dict : f->name) : NULL);
    lua_pushboolean(L, f->type == NB_F_CAT && !f->dict);
    lua_setfield(L, -2, "open");
    if (f->type == NB_F_CAT)
        set_int(L, "max_bytes", NB_CAT_VALUE_MOST);
    if (f->type == NB_F_CAT && !f->dict)
        set_int(L, "max_values", NB_OPEN_VALUES_MOST);
    set_int(L, "since", f->since);
}

static void push_kind(lua_State *L, const nb_kind *k)
{
    lua_createtable(L, 0, 10);
    set_str(L, "name", k->name);
    set_str(L, "label", k->label);
    set_str(L, "period", k->period);
    lua_pushboolean(L, k->id_required);
    lua_setfield(L, -2, "id_required");
    lua_pushboolean(L, k->report_data);
    lua_setfield(L, -2, "report_data");
    set_int(L, "since", k->since);
    lua_createtable(L, k->nfields, 0);
    for (int f = 0; f < k->nfields; f++) {
        push_field(L, &k->fields[f]);
        lua_rawseti(L, -2, f + 1);
    }
    lua_setfield(L, -2, "fields");
    lua_createtable(L, k->nrules, 0);
    for (int r = 0; r < k->nrules; r++) {
        lua_createtable(L, 0, 3);
        set_str(L, "type", rule_names[k->rules[r].type]);
        set_str(L, "a", k->rules[r].a);
        set_str(L, "b", k->rules[r].b);
        lua_rawseti(L, -2, r + 1);
    }
    lua_setfield(L, -2, "rules");
    if (k->flow) {
        lua_createtable(L, 0, 4);
        set_str(L, "start", k->flow->start);
        set_str(L, "end", k->flow->end);
        set_str(L, "result", k->flow->result);
        set_str(L, "by", k->flow->by);
        lua_setfield(L, -2, "flow");
    }
}

static void push_dict(lua_State *L, const nb_dict *d)
{
    lua_createtable(L, d->nvalues, 2);
    for (int i = 0; i < d->nvalues; i++) {
        const nb_value *v = &d->values[i];
        lua_createtable(L, 0, 5);
        set_str(L, "code", v->code);
        set_str(L, "label", v->label);
        push_words(L, v->variants);
        lua_setfield(L, -2, "variants");
        push_words(L, v->typos);
        lua_setfield(L, -2, "typos");
        lua_pushboolean(L, v->group);
        lua_setfield(L, -2, "group");
        set_int(L, "since", v->since);
        lua_rawseti(L, -2, i + 1);
    }
    set_str(L, "name", d->name);
    set_str(L, "label", d->label);
}

/* nianbao.kinds: array of kinds in catalogue order, each also under its name.
 * nianbao.codes: dictionary name -> array of {code, label, variants, typos, group}
 * in the order of the national tables (with .name and .label).
 * nianbao.bodies_file: {fields = the columns of a bodies file, record_column = the column
 * of a record file that names each row's body}.
 * nianbao.script_roles: the roles of a body's own scripts (texts.h). */
int nb_open_codes(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_createtable(L, nb_nkinds, nb_nkinds);
    for (int i = 0; i < nb_nkinds; i++) {
        push_kind(L, &nb_kinds[i]);
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, nb_kinds[i].name);
        lua_rawseti(L, -2, i + 1);
    }
    nb_lua_freeze(L, "nianbao.kinds");
    lua_setfield(L, 1, "kinds");
    lua_createtable(L, 0, nb_ndicts);
    for (int i = 0; i < nb_ndicts; i++) {
        push_dict(L, &nb_dicts[i]);
        lua_setfield(L, -2, nb_dicts[i].name);
    }
    nb_lua_freeze(L, "nianbao.codes");
    lua_setfield(L, 1, "codes");
    lua_createtable(L, 0, 2);
    lua_createtable(L, nb_nbody_fields, 0);
    for (int i = 0; i < nb_nbody_fields; i++) {
        push_field(L, &nb_body_fields[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "fields");
    push_field(L, &nb_record_body);
    lua_setfield(L, -2, "record_column");
    nb_lua_freeze(L, "nianbao.bodies_file");
    lua_setfield(L, 1, "bodies_file");
    lua_newtable(L);
    for (int i = 0; nb_script_roles[i]; i++) {
        lua_pushstring(L, nb_script_roles[i]);
        lua_rawseti(L, -2, i + 1);
    }
    nb_lua_freeze(L, "nianbao.script_roles");
    lua_setfield(L, 1, "script_roles");
    return 0;
}
