/* bench/sign_time.c - c2pa_sign_png() alone, per image, against one
 * SHA-256 pass over the same PNG: bench/sign.sh builds it against
 * build/libassetgen.a.  usage: sign_time KEY CERT PNG... (unsigned PNGs) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "c2pa/c2pa.h"
#include "crypto.h"
#include "os.h"
#include "seal.h"
static double
cpu(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}
int main(int argc,char**argv){
	struct crypto_source k={argv[1],NULL},c={argv[2],NULL}; struct crypto_creds cr; char*err=NULL;
	if(crypto_creds_load(&cr,&k,&c,&err)<0){fprintf(stderr,"%s\n",err);return 1;}
	double tsign=0,tsha=0,twalk=0; int n=0;
	for(int r=0;r<10;r++) for(int i=3;i<argc;i++){
		struct buf png=BUF_INIT,out=BUF_INIT; unsigned char h[32];
		os_read_file(argv[i],1<<30,&png);
		struct c2pa_sign_input in; memset(&in,0,sizeof in);
		in.png=(void*)png.data; in.len=png.len; in.model="builtin"; in.builtin=1; in.creds=&cr;
		double t0=cpu(); crypto_sha256(png.data,png.len,h); double t1=cpu();
		seal_is_signed((void*)png.data,png.len); double t2=cpu();
		if(c2pa_sign_png(&in,&out,&err)<0){fprintf(stderr,"%s\n",err);return 1;} double t3=cpu();
		tsha+=t1-t0; twalk+=t2-t1; tsign+=t3-t2; n++;
		buf_release(&png); buf_release(&out);
	}
	printf("per image: sha256 %.3f ms, seal_is_signed walk %.3f ms, c2pa_sign_png %.3f ms (incl. its SHA-256), beyond SHA-256 %.3f ms\n",tsha/n,twalk/n,tsign/n,(tsign-tsha)/n);
	return 0;
}
