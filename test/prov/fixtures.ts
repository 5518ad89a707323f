/** Documents shared by the provisioning tests. */

export const MMS_XML = `<?xml version="1.0"?>
<!DOCTYPE wap-provisioningdoc PUBLIC "-//WAPFORUM//DTD PROV 1.0//EN" "http://www.wapforum.org/DTD/prov.dtd">
<wap-provisioningdoc version="1.0">
  <characteristic type="PXLOGICAL">
    <parm name="PROXY-ID" value="10.0.0.1"/>
    <parm name="NAME" value="MMS Proxy"/>
    <parm name="STARTPAGE" value="http://mmsc.example.com/"/>
    <characteristic type="PXPHYSICAL">
      <parm name="PHYSICAL-PROXY-ID" value="PROXY1"/>
      <parm name="PXADDR" value="10.0.0.1"/>
      <parm name="PXADDRTYPE" value="IPV4"/>
      <parm name="TO-NAPID" value="NAP1"/>
      <characteristic type="PORT">
        <parm name="PORTNBR" value="9201"/>
        <parm name="SERVICE" value="CO-WSP"/>
      </characteristic>
    </characteristic>
  </characteristic>
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="NAP1"/>
    <parm name="BEARER" value="GSM-GPRS"/>
    <parm name="NAME" value="MMS"/>
    <parm name="NAP-ADDRESS" value="mms.example.com"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
    <characteristic type="NAPAUTHINFO">
      <parm name="AUTHTYPE" value="PAP"/>
      <parm name="AUTHNAME" value="user"/>
      <parm name="AUTHSECRET" value="pass"/>
    </characteristic>
  </characteristic>
  <characteristic type="APPLICATION">
    <parm name="APPID" value="w4"/>
    <parm name="TO-PROXY" value="10.0.0.1"/>
    <parm name="ADDR" value="http://mmsc.example.com/"/>
  </characteristic>
</wap-provisioningdoc>
`;

export const MMS_YAML = `
name: Example MMS
apn: mms.example.com
auth: { type: PAP, user: mms, password: secret }
mmsc: http://mmsc.example.com/mms
proxy: { address: 10.0.0.1, port: 9201 }
browser:
  home: http://wap.example.com/
  bookmarks:
    - { name: News, url: http://wap.example.com/news }
`;
