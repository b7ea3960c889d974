(function(){
'use strict';
var all=function(s,r){return Array.prototype.slice.call((r||document).querySelectorAll(s));};
var cards=all('.card'),f={recipe:'',tag:'',model:''},count=document.getElementById('count');
function has(list,v){return list.split('\n').indexOf(v)>=0;}
function apply(){
 var shown=0;
 cards.forEach(function(c){
  var ok=(!f.recipe||c.dataset.recipe===f.recipe)&&(!f.tag||has(c.dataset.tags,f.tag))&&
   (!f.model||has(c.dataset.models,f.model));
  c.hidden=!ok;if(ok)shown++;
 });
 all('.block,section.recipe').forEach(function(b){b.hidden=!b.querySelector('.card:not([hidden])');});
 if(count)count.textContent=shown===cards.length?cards.length+' shown':shown+' of '+cards.length+' shown';
}
var hash={};
location.hash.slice(1).split('&').forEach(function(kv){
 var i=kv.indexOf('=');if(kv)hash[decodeURIComponent(i<0?kv:kv.slice(0,i))]=i<0?'':decodeURIComponent(kv.slice(i+1));
});
all('select[data-filter]').forEach(function(s){
 var k=s.dataset.filter;
 if(hash[k]!==undefined){s.value=hash[k];f[k]=s.value;}
 s.addEventListener('change',function(){
  f[k]=s.value;apply();
  var h=Object.keys(f).filter(function(x){return f[x];}).map(function(x){
   return x+'='+encodeURIComponent(f[x]);}).join('&');
  try{history.replaceState(null,'',h?'#'+h:location.pathname+location.search);}catch(e){}
 });
});
all('button.key').forEach(function(b){
 b.addEventListener('click',function(){
  var k=b.dataset.key,t=b.textContent;
  try{navigator.clipboard.writeText(k).then(function(){b.textContent='copied';
   setTimeout(function(){b.textContent=t;},900);},function(){});}catch(e){}
 });
});
all('button.snippet').forEach(function(b){
 b.addEventListener('click',function(){
  var t=b.textContent;
  try{navigator.clipboard.writeText(b.dataset.snippet).then(function(){b.textContent='copied';
   setTimeout(function(){b.textContent=t;},900);},function(){});}catch(e){}
 });
});
apply();
if(hash.selftest===undefined)return;
var violations=[];
document.addEventListener('securitypolicyviolation',function(e){violations.push(e.blockedURI||'?');});
var imgs=all('img');
imgs.forEach(function(i){i.loading='eager';});
function settle(i){return new Promise(function(r){
 if(i.complete&&i.naturalWidth>0)return r();
 i.addEventListener('load',r);i.addEventListener('error',r);setTimeout(r,4000);
});}
Promise.all(imgs.map(settle)).then(function(){
 var same=function(u){return location.protocol==='file:'?u.indexOf('file:')===0:
  u.indexOf(location.origin+'/')===0;};
 var res=performance.getEntriesByType('resource').map(function(e){return e.name;});
 var out={images:imgs.length,loaded:0,failed:[],cards:cards.length,rows:[],
  shown:cards.filter(function(c){return !c.hidden;}).length,filters:f,
  resources:res.length,external:res.filter(function(u){return !same(u);}),violations:violations};
 imgs.forEach(function(i){if(i.complete&&i.naturalWidth>0)out.loaded++;else out.failed.push(i.getAttribute('src'));});
 out.pictures=all('picture img').map(function(i){
  return {card:i.closest('.card').dataset.name,src:i.currentSrc.split('/').pop()};});
 all('.group').forEach(function(g){
  var tops={};all('.card',g).forEach(function(c){tops[c.getBoundingClientRect().top]=1;});
  out.rows.push({group:g.dataset.group,cards:all('.card',g).length,lines:Object.keys(tops).length});
 });
 out.ok=out.images>0&&out.loaded===out.images&&!out.external.length&&!violations.length&&
  out.rows.every(function(r){return r.lines===1;});
 var pre=document.createElement('pre');pre.id='selftest';pre.textContent=JSON.stringify(out);
 document.body.appendChild(pre);document.title='selftest '+(out.ok?'pass':'fail');
});
})();
