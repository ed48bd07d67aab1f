// Small improvements of the workspace pages; every page works without this script.
// Money inputs typed as plain digits get thousands separators once the user leaves them
// (1200000 → 1,200,000.00); anything else is left as typed for the server to judge.
document.addEventListener('change', function (event) {
  var input = event.target;
  if (!input.matches || !input.matches('input[inputmode=decimal]')) { return; }
  var plain = input.value.trim().replace(/^[¥￥]/, '');
  if (!/^\d+(\.\d{1,2})?$/.test(plain)) { return; }
  var parts = plain.split('.');
  var fraction = ((parts[1] || '') + '00').slice(0, 2);
  input.value = parts[0].replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, ',') + '.' + fraction;
});
