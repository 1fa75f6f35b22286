/* The failover state of an offline lease import: see fo_carry.h. */
#include <string.h>
#include "failover/wire.h"
#include "import/fo_carry.h"

static const struct leasefile_fo *find_name(const struct leasefile *lf, const char *name)
{
	for (size_t i = 0; i < lf->nfo; i++)
		if (strcmp(lf->fo[i].name, name) == 0)
			return &lf->fo[i];
	return NULL;
}

static void fill(const struct cfg_failover *cf, const struct leasefile_fo *f,
		 struct store_fo_rec *r)
{
	memset(r, 0, sizeof *r);
	memcpy(r->name, cf->name, strnlen(cf->name, STORE_FO_NAME_MAX));
	r->my_state = f->my_state;
	r->my_stos = f->my_stos;
	r->amnesic = f->my_state == FO_ST_RECOVER || f->my_state == FO_ST_RECOVER_WAIT;
	r->peer_state = f->peer_state;
	r->peer_stos = f->peer_stos;
	if (cf->role == CFG_FO_PRIMARY) {
		r->mclt = cf->mclt;
		r->have_hba = r->mclt != 0;
		if (r->have_hba)
			memcpy(r->hba, cf->hba, sizeof r->hba);
	} else {
		r->mclt = f->mclt;
	}
}

enum fo_carry fo_carry_decide(const struct fo_carry_in *in, struct store_fo_rec *out,
			      const struct leasefile_fo **from)
{
	const struct cfg_failover *cf = in->fo;

	*from = cf && cf->enabled && cf->name[0] ? find_name(in->lf, cf->name) : NULL;
	if (!cf || !cf->enabled || !cf->name[0])
		return FO_CARRY_NO_FAILOVER;
	if (in->refused)
		return FO_CARRY_REFUSED;
	if (in->lf->nfo == 0)
		return FO_CARRY_NONE;
	if (!*from)
		return FO_CARRY_OTHER_NAME;
	if (in->lf->errors)
		return FO_CARRY_DAMAGED;
	if (in->journal_has)
		return FO_CARRY_JOURNAL_HAS;
	fill(cf, *from, out);
	return FO_CARRY_TAKE;
}

const char *fo_carry_why(enum fo_carry c)
{
	switch (c) {
	case FO_CARRY_TAKE:
		return "carried over";
	case FO_CARRY_NO_FAILOVER:
		return "the configuration has no [FAILOVER]";
	case FO_CARRY_REFUSED:
		return "--no-failover-state";
	case FO_CARRY_NONE:
		return "the file holds none";
	case FO_CARRY_OTHER_NAME:
		return "the file holds none of this relationship";
	case FO_CARRY_DAMAGED:
		return "the file is damaged (only its good records were imported)";
	case FO_CARRY_JOURNAL_HAS:
		return "the journal already holds a failover state, which is kept";
	}
	return "unknown";
}
